"""Orders of the company's external shops (the order intake API): their lines
checked against the catalogue, prepared and placed once per external id,
and the idempotency keys pruned.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from partners.models import normalize_email

from ..attribution import Referral, attribution_resolve, partner_code_check
from ..models import IdempotencyKey, Order, OrderLine, Product
from ..pricing import totals_for
from ..taxes import lines_priced, rates_of
from ..validators import vat_id_normalise, vat_id_problem
from .checkout import OrderDraft, _order_create

EXTERNAL_ID_MAX = 64


def external_id_for(*, source: str, external_id: str) -> str:
    """Order.external_id of an external shop's order: unique per source."""
    return f"{source}:{external_id}"


@dataclass(frozen=True)
class ExternalLine:
    """A line as the external shop sends it. unit_price is what the customer
    paid (gross); qv/cv None means "the catalogue's, by sku"."""

    sku: str
    quantity: int
    unit_price: Decimal
    name: str = ""
    vat_rate: Decimal | None = None
    qv: Decimal | None = None
    cv: Decimal | None = None


def _external_lines_check(
    lines: list[ExternalLine], *, country: str = "DE"
) -> tuple[list[OrderLine], dict[str, str]]:
    """OrderLines (unsaved) for the external lines, or errors keyed "lines.<n>.<field>".
    A known sku gives name, VAT rate, QV and CV from the catalogue where the shop
    sends none; an unknown sku needs the shop to send QV and CV."""
    errors: dict[str, str] = {}
    if not lines:
        return [], {"lines": _("An order needs at least one line.")}
    skus = {line.sku for line in lines if line.sku}
    products = {p.sku: p for p in Product.objects.filter(sku__in=skus)}
    result = []
    valid_rates = rates_of(country)  # the rates of the country delivered to (orders.taxes)
    for n, line in enumerate(lines):
        product = products.get(line.sku)
        if line.quantity < 1:
            errors[f"lines.{n}.quantity"] = _("The quantity must be at least 1.")
        if line.unit_price < 0:
            errors[f"lines.{n}.unit_price"] = _("The unit price must not be negative.")
        for field, value in (("qv", line.qv), ("cv", line.cv)):
            if value is not None and value < 0:
                errors[f"lines.{n}.{field}"] = _("This value must not be negative.")
            elif value is None and product is None:
                errors[f"lines.{n}.{field}"] = _(
                    "The SKU “%(sku)s” is not in the catalogue: please send QV and CV of this line."
                ) % {"sku": line.sku}
        vat_rate = line.vat_rate if line.vat_rate is not None else max(valid_rates)
        if line.vat_rate is None and product is not None:
            vat_rate = lines_priced(product, country)[1]
        if vat_rate not in valid_rates:
            errors[f"lines.{n}.vat_rate"] = _(
                "The VAT rate must be one of %(rates)s for a delivery to %(country)s."
            ) % {"rates": ", ".join(str(r) for r in sorted(valid_rates)), "country": country}
        if any(key.startswith(f"lines.{n}.") for key in errors):
            continue
        result.append(
            OrderLine(
                product=product,
                sku=line.sku,
                name=(line.name or (product.name if product else "") or line.sku)[:200],
                unit_price=line.unit_price,
                vat_rate=vat_rate,
                unit_qv=line.qv if line.qv is not None else product.qv,
                unit_cv=line.cv if line.cv is not None else product.cv,
                quantity=line.quantity,
            )
        )
    return result, errors


def order_external_prepare(
    *,
    customer_data: Mapping[str, str],
    lines: list[ExternalLine],
    partner_code: str = "",
    referral: Referral | None = None,
    shipping: Decimal = Decimal("0"),
    language: str = "",
    ignore_unknown_partner: bool = False,
    invoiced_by_shop: bool = False,
    stock_kept_by_shop: bool = False,
) -> OrderDraft:
    """Pure: check an external shop's order and compute it, attributed by the
    same rules as the own checkout (attribution_resolve, spec 3). The shop's
    prices and shipping fee stand. An unknown, inactive or terminated partner
    code is refused (keyed "partner") unless ignore_unknown_partner: then it
    simply does not attribute (spec 3.6). Raises ValidationError keyed by field."""
    errors: dict[str, str] = {}
    data = {
        key: str(customer_data.get(key) or "").strip()
        for key in ("email", "first_name", "last_name", "street", "postal_code", "city", "country")
    }
    data["email"] = normalize_email(data["email"])
    data["country"] = (data["country"] or "DE").upper()
    data["company_name"] = str(customer_data.get("company_name") or "").strip()
    data["vat_id"] = str(customer_data.get("vat_id") or "").strip()
    try:
        validate_email(data["email"])
    except ValidationError:
        errors["customer.email"] = _("Please give a valid e-mail address, e.g. name@example.com.")
    if len(data["company_name"]) > 200:
        errors["customer.company_name"] = _("Please use at most %(n)d characters.") % {"n": 200}
    if data["vat_id"]:
        problem = vat_id_problem(data["vat_id"])
        if problem:
            errors["customer.vat_id"] = problem
        else:
            data["vat_id"] = vat_id_normalise(data["vat_id"])
    if len(data["country"]) != 2:
        errors["customer.country"] = _("Please give the country as a two-letter code, e.g. DE.")
    for key, limit in (
        ("first_name", 100),
        ("last_name", 100),
        ("street", 200),
        ("city", 100),
        ("postal_code", 10),
    ):
        if len(data[key]) > limit:
            errors[f"customer.{key}"] = _("Please use at most %(n)d characters.") % {"n": limit}
    code = partner_code or ""
    code_partner = None
    if not ignore_unknown_partner:
        try:
            code_partner = partner_code_check(code=code)
        except ValidationError as exc:
            errors["partner"] = exc.message_dict["partner_code"][0]
    if shipping < 0:
        errors["shipping"] = _("The shipping fee must not be negative.")
    order_lines, line_errors = _external_lines_check(lines, country=data["country"])
    errors.update(line_errors)
    if errors:
        raise ValidationError(errors)

    data["partner_code"] = code.strip()
    partner, reason = attribution_resolve(
        customer_email=data["email"],
        user=None,
        code=code,
        referral=referral,
        code_partner=code_partner,
    )
    return OrderDraft(
        data=data,
        partner=partner,
        attribution=reason,
        lines=order_lines,
        totals=totals_for(
            [(line.unit_price, line.vat_rate, line.quantity) for line in order_lines],
            shipping=shipping,
        ),
        qv=sum((line.unit_qv * line.quantity for line in order_lines), Decimal("0")),
        cv=sum((line.unit_cv * line.quantity for line in order_lines), Decimal("0")),
        referral_slug=(referral.slug if referral else "")[:40],
        payment_method=Order.PaymentMethod.EXTERNAL,
        language=(language or "")[:8],
        invoiced_by_shop=invoiced_by_shop,
        stock_kept_by_shop=stock_kept_by_shop,
    )


@transaction.atomic(savepoint=False)  # in the API's transaction: a failure ends it
def order_external_place(
    *, source: str, external_id: str, draft: OrderDraft, placed_at=None
) -> Order:
    """Write an external shop's prepared order (pending until its payment is
    booked). Its external id is unique per source: a second one is refused."""
    external_id = (external_id or "").strip()
    if not external_id or len(external_id) > EXTERNAL_ID_MAX:
        raise ValidationError(
            {
                "external_id": _("Please give the shop's order id (1 to %(n)d characters).")
                % {"n": EXTERNAL_ID_MAX}
            }
        )
    full_id = external_id_for(source=source, external_id=external_id)
    if Order.objects.filter(external_id=full_id).exists():
        message = _("The order “%(id)s” of this shop exists already.") % {"id": external_id}
        raise ValidationError({"external_id": ValidationError(message, code="duplicate")})
    return _order_create(
        draft=draft, checkout_token=None, external_id=full_id, placed_at=placed_at, confirm=False
    )


def idempotency_keys_prune(*, before) -> int:
    """Forget the stored answers of intake API requests made before `before`."""
    deleted, _by_model = IdempotencyKey.objects.filter(created_at__lt=before).delete()
    return deleted
