"""Public subscription pages: subscribe (/abo/), the signed management page
(/abo/m/<key>/) and the cancellation page (/abo/kuendigen/, §312k BGB). No
account anywhere. Thin: forms validate, services write, selectors read."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from orders.cart import Cart
from orders.models import Product
from orders.referral import (
    is_bot,
    is_own_page,
    referral_current,
    referral_partner,
    referral_remember,
    referring_partner,
)
from orders.throttle import cancel_page_allowed, checkout_allowed
from partners.client_address import request_client_ip

from . import links, payment, selectors, services
from .forms import BankForm, CancelForm, MoveForm, SubscribeForm, SubscribeStartForm
from .models import Subscription

DRAFT_KEY = "subscription_draft"


def _draft_lines(request) -> dict[int, int]:
    draft = request.session.get(DRAFT_KEY) or {}
    return {int(pid): int(qty) for pid, qty in (draft.get("lines") or {}).items()}


@require_POST
def start(request):
    """ "Als Abo" on a product page or in the cart: remember what to subscribe
    to and open the subscription checkout."""
    form = SubscribeStartForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("This could not be started. Please try again."))
        return redirect("orders:cart")
    data = form.cleaned_data
    if data["from_cart"]:
        lines = dict(Cart(request.session).lines)
    elif data["product"]:
        lines = {data["product"]: data["quantity"] or 1}
    else:
        lines = {}
    if not lines:
        messages.error(request, _("Please choose a product first."))
        return redirect("orders:cart")
    request.session[DRAFT_KEY] = {
        "lines": {str(pid): qty for pid, qty in lines.items()},
        "interval": data["interval"] or 1,
    }
    response = redirect("subscriptions:subscribe")
    # As the cart does: the partner page acted on becomes the referral (spec 3.3b).
    partner = referral_partner(request.POST.get("ref"))
    if partner is not None and not is_bot(request) and not is_own_page(request, partner):
        referral_remember(request, response, partner=partner, via="landing")
    return response


@require_http_methods(["GET", "POST"])
def subscribe(request):
    lines = _draft_lines(request)
    if not lines:
        messages.info(request, _("Choose “As a subscription” on a product or in your cart first."))
        return redirect("landing:shop")
    mandate_text = payment.mandate_text(language=_mandate_language())
    status = 200
    if request.method == "POST":
        form = SubscribeForm(request.POST)
        if form.is_valid() and not checkout_allowed(
            client_ip=request_client_ip(request=request), email=form.cleaned_data["email"]
        ):
            return render(request, "429.html", status=429)
        if form.is_valid():
            try:
                subscription = services.subscription_create(
                    lines=lines,
                    customer_data=form.customer_data(),
                    interval=form.cleaned_data["interval"],
                    first_date=form.cleaned_data["first_date"],
                    account_holder=form.cleaned_data["account_holder"],
                    iban=form.cleaned_data["iban"],
                    mandate_text=mandate_text,
                    referral=referral_current(request),
                    user=request.user,
                    language=get_language() or "",
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                request.session.pop(DRAFT_KEY, None)
                if Cart(request.session).lines == lines:
                    Cart(request.session).clear()
                request.session.cycle_key()
                messages.success(
                    request,
                    _("Your subscription %(number)s has started. We have sent you an e-mail.")
                    % {"number": subscription.number},
                )
                return redirect("subscriptions:manage", key=links.manage_key(subscription))
        status = 400
    else:
        draft = request.session.get(DRAFT_KEY) or {}
        form = SubscribeForm(initial={"interval": draft.get("interval", 1)})
    products = Product.objects.in_bulk(list(lines))
    context = {
        "form": form,
        "items": [(products[pid], qty) for pid, qty in lines.items() if pid in products],
        "quote": services.subscription_quote(lines=lines),
        "mandate_text": mandate_text,
        "referring_partner": referring_partner(request),
    }
    return render(request, "subscriptions/subscribe.html", context, status=status)


def _mandate_language() -> str:
    language = (get_language() or "de")[:2]
    return language if language in ("de", "en") else "de"


def _manage_context(subscription: Subscription, **extra) -> dict:
    return {
        "bank_form": extra.pop("bank_form", None) or BankForm(),
        "mandate_text": payment.mandate_text(language=_mandate_language()),
        "subscription": subscription,
        "lines": list(subscription.lines.all()),
        "next_amount": selectors.subscription_amount_on(
            subscription=subscription, on=subscription.next_date
        ),
        "move_form": extra.pop("move_form", None)
        or MoveForm(initial={"next_date": subscription.next_date}),
        "products": Product.objects.filter(is_active=True),
        "can_take_back": services.subscription_can_take_back(subscription=subscription),
        **extra,
    }


ACTIONS = {"skip", "move", "change", "bank", "pause", "resume", "cancel", "take_back"}


@require_http_methods(["GET", "POST"])
def manage(request, key):
    subscription = selectors.subscription_by_key(key)
    if subscription is None:
        raise Http404
    if request.method == "GET":
        response = render(request, "subscriptions/manage.html", _manage_context(subscription))
        response["Cache-Control"] = "private, no-store"
        response["Referrer-Policy"] = "no-referrer"
        return response
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        return redirect(request.path)
    try:
        if action == "skip":
            services.subscription_skip_next(subscription=subscription)
            messages.success(request, _("The next delivery is skipped."))
        elif action == "move":
            form = MoveForm(request.POST)
            if not form.is_valid():
                context = _manage_context(subscription, move_form=form)
                return render(request, "subscriptions/manage.html", context, status=400)
            services.subscription_move_next(
                subscription=subscription, new_date=form.cleaned_data["next_date"]
            )
            messages.success(request, _("The next delivery was moved."))
        elif action == "change":
            services.subscription_lines_change(
                subscription=subscription, quantities=_quantities(request.POST)
            )
            messages.success(request, _("Your products were changed."))
        elif action == "bank":
            form = BankForm(request.POST)
            if form.is_valid():
                try:
                    services.subscription_mandate_change(
                        subscription=subscription,
                        account_holder=form.cleaned_data["account_holder"],
                        iban=form.cleaned_data["iban"],
                        mandate_text=payment.mandate_text(language=_mandate_language()),
                        language=_mandate_language(),
                    )
                except ValidationError as exc:
                    for field, errors in exc.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
            if form.errors:
                context = _manage_context(subscription, bank_form=form)
                return render(request, "subscriptions/manage.html", context, status=400)
            messages.success(request, _("Your new bank details are saved."))
        elif action == "pause":
            services.subscription_pause(subscription=subscription)
            messages.success(request, _("Your subscription is paused."))
        elif action == "resume":
            services.subscription_resume(subscription=subscription)
            messages.success(request, _("Your subscription runs again."))
        elif action == "take_back":
            services.subscription_cancel_take_back(subscription=subscription)
            messages.success(request, _("Your subscription runs on as before."))
        elif action == "cancel":
            services.subscription_cancel(subscription=subscription, by_holder=True)
            messages.success(
                request,
                _(
                    "Your subscription is cancelled (%(when)s). The confirmation is on its way by e-mail."
                )
                % {"when": timezone.localtime().strftime("%d.%m.%Y %H:%M")},
            )
    except ValidationError as exc:
        move_form = MoveForm(request.POST) if action == "move" else None
        if move_form is not None:
            move_form.is_valid()
            for message in exc.messages:
                move_form.add_error("next_date", message)
        context = _manage_context(subscription, move_form=move_form, errors=exc.messages)
        return render(request, "subscriptions/manage.html", context, status=400)
    return HttpResponseRedirect(request.path)


def _quantities(post) -> dict[int, int]:
    quantities = {}
    for name, value in post.items():
        if not name.startswith("qty_"):
            continue
        try:
            pid, qty = int(name[4:]), int(value or 0)
        except ValueError as exc:
            raise ValidationError(_("Please enter whole numbers as quantities.")) from exc
        if qty < 0:
            raise ValidationError(_("The quantity cannot be negative (0 removes the product)."))
        quantities[pid] = qty
    if post.get("add_product"):
        try:
            pid, qty = int(post["add_product"]), int(post.get("add_quantity") or 1)
        except ValueError as exc:
            raise ValidationError(_("Please enter whole numbers as quantities.")) from exc
        quantities[pid] = quantities.get(pid, 0) + max(qty, 0)
    return quantities


@require_http_methods(["GET", "POST"])
def cancel(request):
    """§312k BGB: reached from the footer of every page, no sign-in; one form,
    one button ("Jetzt kündigen"), a receipt page and e-mail at once. The page
    answers the same whatever matched, and also past its limits (which only
    stop receipts to addresses we do not know)."""
    if request.method == "POST":
        form = CancelForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            reason = data["reason"] or ""
            if data["kind"] == "extraordinary":
                reason = _("extraordinary: %(reason)s") % {"reason": reason}
            services.subscriptions_cancel_by_customer(
                email=data["email"],
                number=data["number"],
                last_name=data["last_name"],
                reason=reason,
                may_mail_unknown=cancel_page_allowed(
                    client_ip=request_client_ip(request=request), email=data["email"]
                ),
            )
            return render(
                request,
                "subscriptions/cancel_done.html",
                {"email": data["email"], "received_at": timezone.localtime()},
            )
        return render(request, "subscriptions/cancel.html", {"form": form}, status=400)
    return render(request, "subscriptions/cancel.html", {"form": CancelForm()})
