"""The partner's notifications (list, mark read) and their choices. Thin:
check who is asking, call one selector or service, render."""

import json
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from partners.models import Partner

from . import push, selectors, services
from .forms import PreferencesForm
from .kinds import KINDS
from .models import Notification, NotificationSettings

PER_PAGE = 30


def partner_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        partner = Partner.objects.filter(user=request.user).first()
        if partner is None or partner.status == Partner.Status.TERMINATED:
            return render(request, "dashboard/no_partner.html", {"partner": partner}, status=403)
        request.partner = partner
        return view(request, partner, *args, **kwargs)

    return wrapper


@require_GET
@partner_required
def notification_list(request, partner):
    page = Paginator(selectors.notifications_for(partner=partner), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notifications/list.html",
        {"partner": partner, "page": page, "active_tab": "notifications"},
    )


@require_POST
@partner_required
def notification_open(request, partner, pk):
    """Mark one read and go where it points (or back to the list)."""
    try:
        services.notification_mark_read(partner=partner, notification_id=pk)
    except ValidationError:
        raise Http404 from None
    kind = Notification.objects.filter(pk=pk).values_list("kind", flat=True).first()
    spec = KINDS.get(kind)
    if request.POST.get("open") and spec and spec.link:
        try:
            return redirect(reverse(spec.link))
        except NoReverseMatch:
            pass
    return redirect("notifications:list")


@require_POST
@partner_required
def notifications_read_all(request, partner):
    services.notifications_mark_all_read(partner=partner)
    messages.success(request, _("All notifications are marked read."))
    return redirect("notifications:list")


@require_http_methods(["GET", "POST"])
@partner_required
def notification_settings(request, partner):
    choices = selectors.preferences_for(partner=partner)
    stored = NotificationSettings.objects.filter(partner=partner).first()
    language = stored.language if stored else translation.get_language()[:2]
    form = PreferencesForm(request.POST or None, choices=choices, initial={"language": language})
    if request.method == "POST" and form.is_valid():
        try:
            services.preferences_save(
                partner=partner, choices=form.choices(), language=form.cleaned_data["language"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your notification settings are saved."))
            return redirect("notifications:settings")
    return render(
        request,
        "notifications/settings.html",
        {
            "partner": partner,
            "form": form,
            "active_tab": "notifications",
            "push_key": settings.WEBPUSH_VAPID_PUBLIC_KEY if push.enabled() else "",
        },
        status=400 if form.errors else 200,
    )


def _json_body(request) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


@require_POST
@partner_required
def push_subscribe(request, partner):
    """The browser's PushSubscription.toJSON(), posted by static/js/push.js."""
    if not push.enabled():
        raise Http404
    data = _json_body(request)
    keys = data.get("keys") if isinstance(data.get("keys"), dict) else {}
    try:
        services.push_subscription_save(
            partner=partner,
            endpoint=str(data.get("endpoint") or ""),
            p256dh=str(keys.get("p256dh") or ""),
            auth=str(keys.get("auth") or ""),
        )
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    return JsonResponse({"ok": True}, status=201)


@require_POST
@partner_required
def push_unsubscribe(request, partner):
    data = _json_body(request)
    services.push_subscription_delete(partner=partner, endpoint=str(data.get("endpoint") or ""))
    return JsonResponse({"ok": True})
