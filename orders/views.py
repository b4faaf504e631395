"""Cart, checkout, confirmation and the payment webhook. Thin: forms validate,
services write, selectors read."""

import contextlib
import logging
import secrets

import stripe
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from partners.client_address import request_client_ip

from .cart import Cart
from .forms import CartAddForm, CartUpdateForm, CheckoutForm, PlaceOrderForm
from .models import Order
from .payments import STRIPE_METHODS, payment_instructions, payment_provider
from .referral import (
    is_bot,
    is_own_page,
    link_params,
    referral_current,
    referral_partner,
    referral_remember,
    referring_partner,
)
from .selectors import cart_summary, order_get_for_confirmation
from .services import order_place, order_prepare
from .throttle import checkout_allowed
from .validators import COUNTRIES
from .webhooks import WebhookRetryLater, stripe_event_handle, stripe_event_verify

logger = logging.getLogger(__name__)

CHECKOUT_KEY = "checkout"
TOKEN_KEY = "checkout_token"
ORDERS_KEY = "orders"


def _safe_next(request, fallback: str) -> str:
    """`next` if it is a path on this site (not a view name such as "NaN", not
    another host), else `fallback`."""
    url = request.POST.get("next") or ""
    if (
        url.startswith("/")
        and "\x00" not in url
        and url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return url
    return fallback


def _remember_scope(request, response, slug, params=None) -> None:
    """The page the visitor acted on was scoped to a partner (`ref`): remember
    them as the referral (spec 3.3b), unless it is the partner's own page, with
    the campaign and utm_* of the link that brought the visitor (`params`: the
    form's or the address's `c` and utm_*)."""
    partner = referral_partner(slug)
    if partner is not None and not is_bot(request) and not is_own_page(request, partner):
        link = link_params(params) if params is not None else None
        referral_remember(request, response, partner=partner, via="landing", link=link)


# --- Cart ----------------------------------------------------------------------


def _shop_url(partner) -> str:
    """ "Back to the shop" leads to the partner's page the customer came from."""
    if partner is not None:
        return reverse("landing:partner", kwargs={"slug": partner.slug})
    return reverse("landing:shop")


def _cart_page(request, *, line_errors=None, status=200):
    summary = cart_summary(cart_lines=Cart(request.session).lines)
    line_errors = line_errors or {}
    for line in summary.lines:
        line.error = line_errors.get(line.product_id, "")
    return render(
        request,
        "orders/cart.html",
        {"summary": summary, "shop_url": _shop_url(referring_partner(request))},
        status=status,
    )


@require_GET
def cart(request):
    response = _cart_page(request)
    if "ref" in request.GET and request.session.keys():  # someone with a cart already
        _remember_scope(request, response, request.GET["ref"], request.GET)
    return response


def _cart_added(request, *, error: str = "", product=None):
    """htmx: the line under the button and the header's cart count (out of band);
    the customer stays where they were."""
    return render(
        request,
        "orders/_cart_added.html",
        {"error": error, "product": product, "cart_count": len(Cart(request.session))},
    )


@require_POST
def cart_add(request):
    """Add to cart. With htmx the page stays and gets a fragment; without
    JavaScript the form redirects back to the page it came from."""
    form = CartAddForm(request.POST)
    back = _safe_next(request, reverse("orders:cart"))
    htmx = getattr(request, "htmx", False)
    if not form.is_valid():
        error = _("This product could not be added. Please reload the page and try again.")
        if htmx:
            return _cart_added(request, error=error)
        messages.error(request, error)
        return HttpResponseRedirect(back)
    try:
        product = Cart(request.session).add(
            product_id=form.cleaned_data["product"], quantity=form.cleaned_data["quantity"]
        )
    except ValidationError as exc:
        if htmx:
            return _cart_added(request, error=" ".join(exc.messages))
        messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(back)
    if htmx:
        response = _cart_added(request, product=product)
    else:
        messages.success(request, _("“%(name)s” is in your cart.") % {"name": product.name})
        response = HttpResponseRedirect(back)
    _remember_scope(request, response, request.POST.get("ref"), request.POST)
    return response


@require_POST
def cart_update(request):
    form = CartUpdateForm(request.POST)
    if "remove" in request.POST:
        form = CartUpdateForm({"product": request.POST.get("product"), "quantity": 0})
    if not form.is_valid():
        try:
            pid = int(request.POST.get("product", ""))
        except ValueError:
            pid = None
        return _cart_page(
            request, line_errors={pid: " ".join(form.errors.get("quantity", []))}, status=400
        )
    try:
        Cart(request.session).set_quantity(
            product_id=form.cleaned_data["product"], quantity=form.cleaned_data["quantity"]
        )
    except ValidationError as exc:
        return _cart_page(
            request, line_errors={form.cleaned_data["product"]: " ".join(exc.messages)}, status=400
        )
    return redirect("orders:cart")


# --- Checkout ------------------------------------------------------------------


def _checkout_token(request) -> str:
    token = request.session.get(TOKEN_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[TOKEN_KEY] = token
    return token


@require_http_methods(["GET", "POST"])
def checkout(request):
    summary = cart_summary(cart_lines=Cart(request.session).lines)
    if request.method == "POST":
        form = CheckoutForm(request.POST)
        valid = form.is_valid()
        if summary.is_empty:
            form.add_error(None, _("Your cart is empty. Please add a product first."))
            valid = False
        elif summary.problems:
            form.add_error(
                None, _("Please remove the products that are no longer available from your cart.")
            )
            valid = False
        if valid:
            data = form.customer_data()
            data["payment_method"] = form.cleaned_data["payment_method"]
            request.session[CHECKOUT_KEY] = data
            _checkout_token(request)
            return redirect("orders:review")
        status = 400
    else:
        form = CheckoutForm(initial=request.session.get(CHECKOUT_KEY) or None)
        status = 200
    partner = referring_partner(request)
    return render(
        request,
        "orders/checkout.html",
        {
            "form": form,
            "summary": summary,
            "referring_partner": partner,
            "shop_url": _shop_url(partner),
        },
        status=status,
    )


def _review_page(request, *, errors=None, status=200):
    data = request.session.get(CHECKOUT_KEY)
    summary = cart_summary(cart_lines=Cart(request.session).lines)
    if data and not errors:
        # The totals as the order will have them (a partner code's discount)
        # and the prices of the country chosen (orders.taxes).
        with contextlib.suppress(ValidationError):  # placing it shows what is wrong
            draft = order_prepare(
                cart_lines=Cart(request.session).lines,
                customer_data=data,
                referral=referral_current(request),
                user=request.user,
                payment_method=data.get("payment_method", Order.PaymentMethod.PREPAYMENT),
                # The products the summary has just read (a product gone is missing).
                products={line.product_id: line.product for line in summary.lines if line.product},
            )
            summary.totals = draft.totals
            prices = {line.product.pk: line.unit_price for line in draft.lines}
            for line in summary.lines:
                line.price = prices.get(line.product_id)
    errors = errors or {}
    for line in summary.lines:
        line.error = errors.get(f"line_{line.product_id}", "")
    context = {
        "data": data,
        "summary": summary,
        "errors": errors,
        "form": PlaceOrderForm(initial={"checkout_token": _checkout_token(request)}),
        "payment_label": payment_provider(data["payment_method"]).label if data else "",
        "country_label": COUNTRIES.get((data or {}).get("country", ""), ("",))[0],
        "shop_url": _shop_url(referring_partner(request)),
    }
    return render(request, "orders/review.html", context, status=status)


@require_GET
def review(request):
    if not request.session.get(CHECKOUT_KEY) or not Cart(request.session).lines:
        return redirect("orders:checkout")
    return _review_page(request)


@require_POST
def place(request):
    form = PlaceOrderForm(request.POST)
    # A token that is no token (too long, a NUL byte, ...) is treated as missing.
    token = form.cleaned_data["checkout_token"] if form.is_valid() else ""
    existing = Order.objects.filter(checkout_token=token).first() if token else None
    if existing is not None and existing.number in request.session.get(ORDERS_KEY, []):
        # Second click, reload or back button: the order exists already. The token is
        # single-use: it never opens the order in another session.
        return redirect("orders:confirmation", number=existing.number)
    data = request.session.get(CHECKOUT_KEY)
    if existing is not None or not token or token != request.session.get(TOKEN_KEY) or not data:
        messages.error(
            request,
            _("This checkout page was out of date. Please check your order and place it again."),
        )
        return redirect("orders:review" if data else "orders:checkout")
    if not checkout_allowed(
        client_ip=request_client_ip(request=request), email=data.get("email", "")
    ):
        return render(
            request,
            "429.html",
            {
                "message": _(
                    "You have placed several orders in a short time. For your security, please "
                    "wait a few minutes before placing the next one. Your cart is kept."
                )
            },
            status=429,
        )
    try:
        order = order_place(
            cart_lines=Cart(request.session).lines,
            customer_data=data,
            referral=referral_current(request),
            user=request.user,
            checkout_token=token,
            payment_method=data.get("payment_method", Order.PaymentMethod.PREPAYMENT),
            language=get_language() or "",
        )
    except ValidationError as exc:
        return _review_page(
            request, errors={k: " ".join(v) for k, v in exc.message_dict.items()}, status=400
        )
    _remember_order(request, order)
    Cart(request.session).clear()
    request.session.pop(TOKEN_KEY, None)
    # A new session key for the buyer: a key seen before the order (a shared or
    # fixated cookie) opens neither the order nor the customer's data.
    request.session.cycle_key()
    return _start_payment(request, order)


def _remember_order(request, order: Order) -> None:
    numbers = [n for n in request.session.get(ORDERS_KEY, []) if n != order.number]
    request.session[ORDERS_KEY] = (numbers + [order.number])[-20:]


def _start_payment(request, order: Order):
    path = reverse("orders:confirmation", kwargs={"number": order.number})
    confirmation = request.build_absolute_uri(path)
    try:
        url = payment_provider(order.payment_method).start(
            order=order,
            success_url=f"{confirmation}?paid=1",
            cancel_url=f"{confirmation}?cancelled=1",
        )
    except stripe.StripeError:
        logger.exception("Could not start the payment of order %s", order.number)
        messages.error(
            request,
            _("The payment page could not be opened. Your order is saved; please try again."),
        )
        url = None
    return redirect(url or path)


# --- After the order -------------------------------------------------------------


def _order_for_visitor(request, number: str) -> Order:
    allowed = number in request.session.get(ORDERS_KEY, []) or (
        request.user.is_authenticated and request.user.is_staff
    )
    order = order_get_for_confirmation(number=number) if allowed else None
    if order is None:
        raise Http404
    return order


def _order_shop_url(order: Order) -> str:
    """The page the customer ordered through: the referring landing page, else the
    attributed partner's (when active), else the company's shop."""
    partner = referral_partner(order.referral_slug) if order.referral_slug else None
    if (
        partner is None
        and order.attributed_partner_id
        and order.attribution
        not in (
            Order.Attribution.SELF,
            Order.Attribution.NONE,
        )
    ):
        partner = referral_partner(order.attributed_partner.slug)
    return _shop_url(partner)


@require_GET
def confirmation(request, number):
    order = _order_for_visitor(request, number)
    return render(
        request,
        "orders/confirmation.html",
        {
            "order": order,
            "lines": list(order.lines.all()),
            "payment": payment_instructions(order=order),
            "returned_paid": request.GET.get("paid") == "1",
            "returned_cancelled": request.GET.get("cancelled") == "1",
            "shop_url": _order_shop_url(order),
        },
    )


@require_POST
def pay(request, number):
    """Try the online payment of a pending order again."""
    order = _order_for_visitor(request, number)
    if order.status != Order.Status.PENDING or order.payment_method not in STRIPE_METHODS:
        return redirect("orders:confirmation", number=order.number)
    return _start_payment(request, order)


@csrf_exempt
@require_POST
def stripe_webhook(request):
    try:
        event = stripe_event_verify(
            payload=request.body, signature=request.META.get("HTTP_STRIPE_SIGNATURE", "")
        )
    except (ValueError, stripe.SignatureVerificationError):
        return HttpResponseBadRequest("invalid payload or signature")
    try:
        outcome = stripe_event_handle(event=event)
    except WebhookRetryLater as exc:
        return HttpResponse(f"retry later: {exc}", status=409)
    logger.info("Stripe event %s (%s): %s", event.get("id"), event.get("type"), outcome)
    return JsonResponse({"received": True, "outcome": outcome})
