"""Reads on products, carts and orders for the pages."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from .cart import quantity_problem
from .models import Order, Product
from .pricing import Totals, money, totals_for
from .stock import StockBadge, low_threshold, stock_badge, stock_problem


def product_list_active() -> QuerySet[Product]:
    return Product.objects.filter(is_active=True).order_by("sort_order", "name")


@dataclass
class CartLine:
    product_id: int
    quantity: int
    product: Product | None
    problem: str = ""
    # The price for the country chosen at checkout (orders.taxes), once known.
    price: Decimal | None = None
    # Sold out or fewer left than in the cart: shown on the line, refused at checkout.
    stock_problem: str = ""

    @property
    def badge(self) -> StockBadge | None:
        return stock_badge(self.product.stock) if self.product else None

    @property
    def name(self) -> str:
        return self.product.name if self.product else _("(product no longer exists)")

    @property
    def unit_price(self) -> Decimal:
        if self.price is not None:
            return self.price
        return self.product.price if self.product else Decimal("0")

    @property
    def line_total(self) -> Decimal:
        return money(self.unit_price * self.quantity)


@dataclass
class CartSummary:
    lines: list[CartLine] = field(default_factory=list)
    totals: Totals = field(default_factory=Totals)

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def problems(self) -> list[CartLine]:
        return [line for line in self.lines if line.problem]

    @property
    def stock_problems(self) -> list[CartLine]:
        return [line for line in self.lines if line.stock_problem]

    @property
    def count(self) -> int:
        return sum(line.quantity for line in self.lines)


def cart_summary(*, cart_lines: dict[int, int]) -> CartSummary:
    """The cart with today's prices. Lines whose product is gone or inactive, or
    whose quantity is out of range, carry a problem and count nothing."""
    products = Product.objects.in_bulk(list(cart_lines))
    lines = []
    for pid, qty in cart_lines.items():
        product = products.get(pid)
        problem = ""
        if product is None or not product.is_active:
            problem = _("This product is no longer available. Please remove it.")
        else:
            problem = quantity_problem(qty) or ""
        line_stock_problem = (
            stock_problem(name=product.name, stock=product.stock, quantity=qty)
            if product is not None and not problem
            else None
        )
        lines.append(
            CartLine(
                product_id=pid,
                quantity=qty,
                product=product,
                problem=problem,
                stock_problem=line_stock_problem or "",
            )
        )
    lines.sort(
        key=lambda line: (line.product.sort_order, line.product.name) if line.product else (0, "")
    )
    valid = [
        (line.product.price, line.product.vat_rate, line.quantity)
        for line in lines
        if not line.problem
    ]
    return CartSummary(lines=lines, totals=totals_for(valid))


def products_low_stock(*, limit: int = 20) -> list[Product]:
    """Tracked, active products at or below the low-stock threshold, emptiest
    first (the admin home's list)."""
    return list(
        Product.objects.filter(is_active=True, stock__isnull=False, stock__lte=low_threshold())
        .order_by("stock", "name")
        .only("pk", "name", "sku", "stock")[:limit]
    )


def order_get_for_confirmation(*, number: str) -> Order | None:
    return (
        Order.objects.select_related("attributed_partner")
        .prefetch_related("lines")
        .filter(number=number)
        .first()
    )
