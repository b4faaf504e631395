"""The shopping cart lives in the session (no consent needed, no account needed).

Session format (other code may read it, only this module writes it):

    request.session["cart"] = {"<product id>": <quantity>, ...}

Quantities are kept within 1..MAX_QUANTITY; a cart holds at most MAX_LINES products.
Prices are never stored in the cart: they are read from the products when the
cart is shown and copied onto the order when it is placed.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import Product
from .stock import stock_problem

SESSION_KEY = "cart"
MIN_QUANTITY = 1
MAX_QUANTITY = 99
MAX_LINES = 30


def quantity_problem(quantity) -> str | None:
    if not isinstance(quantity, int) or isinstance(quantity, bool):
        return _("Please enter a whole number.")
    if not MIN_QUANTITY <= quantity <= MAX_QUANTITY:
        return _("The quantity must be between %(min)d and %(max)d.") % {
            "min": MIN_QUANTITY,
            "max": MAX_QUANTITY,
        }
    return None


class Cart:
    def __init__(self, session):
        self.session = session

    @property
    def lines(self) -> dict[int, int]:
        """{product id: quantity}, cleaned of anything malformed."""
        raw = self.session.get(SESSION_KEY) or {}
        lines = {}
        for key, qty in raw.items():
            try:
                pid = int(key)
            except (TypeError, ValueError):
                continue
            if isinstance(qty, int) and qty > 0:
                lines[pid] = min(qty, MAX_QUANTITY)
        return lines

    def __len__(self) -> int:
        return sum(self.lines.values())

    def _save(self, lines: dict[int, int]) -> None:
        self.session[SESSION_KEY] = {str(pid): qty for pid, qty in lines.items()}

    def add(self, *, product_id: int, quantity: int = 1) -> Product:
        """Add to what is already there. Refuses inactive products and totals
        outside 1..MAX_QUANTITY."""
        product = Product.objects.filter(pk=product_id, is_active=True).first()
        if product is None:
            raise ValidationError(
                {
                    "product": _(
                        "Sorry, this product is no longer available. Please choose another one."
                    )
                }
            )
        lines = self.lines
        if product.pk not in lines and len(lines) >= MAX_LINES:
            raise ValidationError(
                {
                    "product": _("A cart can hold at most %(n)d different products.")
                    % {"n": MAX_LINES}
                }
            )
        have = lines.get(product.pk, 0)
        problem = quantity_problem(quantity)
        if problem is None and have + quantity > MAX_QUANTITY:
            # Say how many are there and what is still possible, not just the range.
            if have >= MAX_QUANTITY:
                problem = _(
                    "You already have %(have)d of these in your cart, the most one order can "
                    "hold. To order more, please place a second order."
                ) % {"have": have}
            else:
                problem = _(
                    "You already have %(have)d of these in your cart; you can add at most "
                    "%(more)d more."
                ) % {"have": have, "more": MAX_QUANTITY - have}
        if problem is None:
            problem = stock_problem(
                name=product.name, stock=product.stock, quantity=have + quantity
            )
        if problem:
            raise ValidationError({"quantity": problem})
        new_qty = have + quantity
        lines[product.pk] = new_qty
        self._save(lines)
        return product

    def set_quantity(self, *, product_id: int, quantity: int) -> None:
        """Change a line's quantity; 0 removes the line."""
        lines = self.lines
        if product_id not in lines:
            raise ValidationError({"product": _("This product is not in your cart.")})
        if quantity == 0:
            del lines[product_id]
        else:
            problem = quantity_problem(quantity)
            if problem:
                raise ValidationError({"quantity": problem})
            lines[product_id] = quantity
        self._save(lines)

    def remove(self, *, product_id: int) -> None:
        lines = self.lines
        lines.pop(product_id, None)
        self._save(lines)

    def clear(self) -> None:
        self.session.pop(SESSION_KEY, None)
