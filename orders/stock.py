"""Stock: the one owner of "can this still be sold?" and of every stock change.

A product's `stock` is the number of units that can still be sold; NULL means the
company does not track it (always available). Placing an order reserves its
quantities (stock_reserve, called by the one order writer for the checkout, the
subscriptions' orders and the intake API); a cancelled order and goods that come
back give them back (stock_release_lines), and so does a refund of goods that
never left the warehouse (refund_stock_release).

Never sold twice: every reservation is one conditional UPDATE per product
(`stock = stock - n WHERE stock >= n`), taken in product-id order, so two
checkouts of the last unit queue on the row and the second finds nothing left,
and two carts with the same products cannot deadlock.

The public pages show "sold out" / "only 3 left" (stock_badge). Their cached
copies are dropped only when what they show changes (the badge crosses a
threshold or counts down in the low range), not on every sale.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .events import catalogue_changed
from .models import Order, OrderLine, Product


def low_threshold() -> int:
    """At or below this many units the pages say "only N left" (STOCK_LOW_THRESHOLD)."""
    return int(getattr(settings, "STOCK_LOW_THRESHOLD", 5))


@dataclass(frozen=True)
class StockBadge:
    """What a page shows about a product's stock: nothing, "only N left" or "sold out"."""

    state: str  # "available" (or not tracked), "low", "sold_out"
    left: int | None = None  # the number shown in the "low" state

    @property
    def sold_out(self) -> bool:
        return self.state == "sold_out"

    @property
    def low(self) -> bool:
        return self.state == "low"


def stock_badge(stock: int | None) -> StockBadge:
    """Pure: the badge for a stock level (None: not tracked)."""
    if stock is None or stock > low_threshold():
        return StockBadge("available")
    if stock <= 0:
        return StockBadge("sold_out")
    return StockBadge("low", stock)


def stock_problem(*, name: str, stock: int | None, quantity: int) -> str | None:
    """Pure: why `quantity` units of a product with `stock` cannot be ordered, or None."""
    if stock is None or quantity <= stock:
        return None
    if stock <= 0:
        return _("“%(name)s” is sold out. Please remove it from your cart.") % {"name": name}
    return ngettext(
        "Only %(left)d of “%(name)s” is left. Please lower the quantity.",
        "Only %(left)d of “%(name)s” are left. Please lower the quantity.",
        stock,
    ) % {"left": stock, "name": name}


def _pages_follow(before: Mapping[int, int | None], after: Mapping[int, int | None]) -> None:
    """Drop the cached public pages when a product's badge changed (landing listens)."""
    if any(stock_badge(before[pk]) != stock_badge(after.get(pk)) for pk in before):
        catalogue_changed.send(sender=Product)


def _quantities(lines: Iterable[OrderLine]) -> dict[int, int]:
    wanted: dict[int, int] = defaultdict(int)
    for line in lines:
        if line.product_id:
            wanted[line.product_id] += line.quantity
    return dict(wanted)


def stock_reserve(*, lines: list[OrderLine]) -> None:
    """Take the (unsaved) order lines' quantities from stock, inside the order's
    transaction, and mark the lines of tracked products `stock_reserved`.
    Raises ValidationError keyed "line_<product id>" (and "cart") when a product
    sold out meanwhile; the caller's transaction then writes nothing."""
    wanted = _quantities(lines)
    # Which products track stock is read from the products the lines were priced
    # from (no query for a shop that tracks none); the conditional UPDATE below
    # decides, and a product whose tracking was switched off meanwhile is let pass.
    tracked = {
        line.product_id
        for line in lines
        if line.product_id in wanted and line.product is not None and line.product.stock is not None
    }
    if not tracked:
        return
    errors: dict[str, str] = {}
    for pk in sorted(tracked):  # one order of locks for every checkout: no deadlock
        taken = Product.objects.filter(pk=pk, stock__gte=wanted[pk]).update(
            stock=F("stock") - wanted[pk]
        )
        if not taken:
            product = Product.objects.only("name", "stock").get(pk=pk)
            if product.stock is None:  # no longer tracked: nothing to reserve
                continue
            errors[f"line_{pk}"] = stock_problem(
                name=product.name, stock=product.stock, quantity=wanted[pk]
            ) or _("Please check the quantity.")
    if errors:
        errors["cart"] = _(
            "Sorry, some products sold out while you were ordering. Please check your cart."
        )
        raise ValidationError(errors)
    after = dict(
        Product.objects.filter(pk__in=tracked, stock__isnull=False).values_list("pk", "stock")
    )
    tracked = set(after)
    _pages_follow({pk: after[pk] + wanted[pk] for pk in tracked}, after)
    for line in lines:
        if line.product_id in tracked:
            line.stock_reserved = True


def stock_release(*, quantities: Mapping[int, int]) -> None:
    """Give units back to the stock of tracked products ({product id: quantity})."""
    quantities = {pk: q for pk, q in quantities.items() if q > 0}
    if not quantities:
        return
    for pk in sorted(quantities):
        Product.objects.filter(pk=pk, stock__isnull=False).update(stock=F("stock") + quantities[pk])
    after = dict(
        Product.objects.filter(pk__in=quantities, stock__isnull=False).values_list("pk", "stock")
    )
    _pages_follow({pk: after[pk] - quantities[pk] for pk in after}, after)


def stock_release_lines(*, quantities: Mapping[OrderLine, int]) -> None:
    """Give back what order lines reserved: {order line: quantity}. Lines that did
    not reserve (stock not tracked, or kept by an external shop) give nothing."""
    by_product: dict[int, int] = defaultdict(int)
    for line, quantity in quantities.items():
        if line.stock_reserved and line.product_id:
            by_product[line.product_id] += quantity
    stock_release(quantities=by_product)


# How many units of each order line are in parcels already ({line id: n}) for some
# orders. Parcels belong to fulfilment, above orders: it registers its count at
# start-up (FulfilmentConfig.ready); without it nothing counts as shipped.
ShippedCounter = Callable[..., Mapping[int, int]]
_shipped_counter: ShippedCounter | None = None


def shipped_counter_register(counter: ShippedCounter) -> None:
    """Tell stock how to count the units in parcels: counter(order_ids=[...])."""
    global _shipped_counter
    _shipped_counter = counter


def refund_unshipped(*, line: OrderLine, refunded_now: int, shipped: int) -> int:
    """Pure: how many of the `refunded_now` units of a line (its refunded_quantity
    still as before the refund) were still on the shelf, reserved for it. A refund
    takes the units not shipped first (a shipped order never gets here: see
    refund_stock_release). Units refunded before were counted then, so nothing is released twice."""
    if not line.stock_reserved or not line.product_id:
        return 0
    on_shelf = max(line.quantity - line.refunded_quantity - shipped, 0)
    return min(refunded_now, on_shelf)


def refund_stock_release(*, order, lines: Mapping[int, OrderLine], quantities: Mapping[int, int]):
    """A refund of a paid order ({line id: quantity} now, before the lines'
    refunded_quantity is raised) gives back what it refunds of goods not shipped
    yet. Goods that were shipped come back through a return (returns.services),
    which puts them back itself. Inside the refund's transaction."""
    order_shipped = order.status != Order.Status.PAID
    reserved = [pk for pk in quantities if lines[pk].stock_reserved]
    if order_shipped or not reserved:
        return
    shipped = _shipped_counter(order_ids=[order.pk]) if _shipped_counter else {}
    stock_release_lines(
        quantities={
            lines[pk]: refund_unshipped(
                line=lines[pk],
                refunded_now=quantities[pk],
                shipped=shipped.get(pk, 0),
            )
            for pk in reserved
        }
    )


def order_stock_release(*, order) -> None:
    """A cancelled order gives back everything its lines reserved (once)."""
    lines = list(OrderLine.objects.filter(order=order, stock_reserved=True).order_by("pk"))
    stock_release_lines(quantities={line: line.quantity - line.refunded_quantity for line in lines})
    OrderLine.objects.filter(pk__in=[line.pk for line in lines]).update(stock_reserved=False)


def stock_keep_current(*, product: Product) -> None:
    """An admin edit of a product that leaves its stock alone must not write back
    the number the form was loaded with (units sold meanwhile would be sold again):
    lock the row and take its stock as it is now. Inside the edit's transaction."""
    if product.pk is None:
        return
    product.stock = (
        Product.objects.select_for_update().values_list("stock", flat=True).get(pk=product.pk)
    )
