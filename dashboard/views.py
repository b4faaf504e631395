"""The partner's back office. Thin views: check who is asking, call one
selector or service, render."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from partners.links import absolute_url
from partners.models import ApiToken, Partner
from partners.qr import qr_png, qr_svg
from partners.selectors import partner_invite_url, partner_landing_url
from qualification.periods import period_name
from qualification.selectors import partner_history, plan_rules
from qualification.services import period_current_open
from subscriptions.selectors import partner_subscriptions

from . import selectors, services
from .forms import ApiTokenForm, ProfileForm, TeamFilterForm


def _poll_seconds() -> int:
    return settings.DASHBOARD_POLL_SECONDS


def partner_required(view):
    """Signed-in partners only; the view gets the partner as its second argument.

    Anonymous -> sign-in (htmx requests get an HX-Redirect instead of a login
    page swapped into a fragment); a login without a partner (staff) or a
    terminated partner -> a friendly page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            if getattr(request, "htmx", False):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = (
                    f"{reverse(settings.LOGIN_URL)}?next={reverse('dashboard:overview')}"
                )
                return response
            return redirect_to_login(request.get_full_path())
        partner = (
            Partner.objects.select_related("sponsor", "user").filter(user=request.user).first()
        )
        if partner is None or partner.status == Partner.Status.TERMINATED:
            return render(request, "dashboard/no_partner.html", {"partner": partner}, status=403)
        request.partner = partner
        return view(request, partner, *args, **kwargs)

    return wrapper


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _add_service_errors(form, exc: ValidationError) -> None:
    """Show a service's ValidationError next to the matching fields."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _live_context(request, partner: Partner) -> dict:
    period = period_current_open()
    rank = _int_or_none(request.GET.get("rank"))
    progress = selectors.qualification_progress(partner=partner, period=period, rank=rank)
    live_url = reverse("dashboard:live")
    if rank is not None and progress.rank is not None and not progress.rank_is_next:
        live_url += f"?rank={progress.rank.level}"
    return {
        "partner": partner,
        "period": period,
        "progress": progress,
        "chosen_rank": progress.rank.level
        if (progress.rank and not progress.rank_is_next)
        else None,
        "live_url": live_url,
        "poll_seconds": _poll_seconds(),
    }


@require_GET
@partner_required
def overview(request, partner):
    context = _live_context(request, partner)
    landing_url = partner_landing_url(partner=partner, request=request)
    context.update(
        {
            "active_tab": "overview",
            "landing_url": landing_url,
            "invite_url": partner_invite_url(partner=partner, request=request),
            "qr_inline": qr_svg(landing_url, title=_("QR code of your landing page")),
        }
    )
    return render(request, "dashboard/overview.html", context)


@require_GET
@partner_required
def live(request, partner):
    """The live numbers and the report card, polled by the overview page."""
    response = render(request, "dashboard/_live.html", _live_context(request, partner))
    response["Cache-Control"] = "no-store"
    return response


def _qr_response(content, content_type: str, filename: str, download: bool) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    disposition = "attachment" if download else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
@partner_required
def qr_code_svg(request, partner):
    landing_url = partner_landing_url(partner=partner, request=request)
    return _qr_response(
        qr_svg(landing_url), "image/svg+xml", f"{partner.slug}-qr.svg", "download" in request.GET
    )


@require_GET
@partner_required
def qr_code_png(request, partner):
    landing_url = partner_landing_url(partner=partner, request=request)
    return _qr_response(
        qr_png(landing_url), "image/png", f"{partner.slug}-qr.png", "download" in request.GET
    )


FEW_PERIODS = 3


@require_GET
@partner_required
def history(request, partner):
    rows = partner_history(partner=partner)
    chronological = list(reversed(rows))
    chart = {
        # "November 2026" / "November 2026" in the visitor's language, not "2026-11".
        "labels": [period_name(row.period) for row in chronological],
        "datasets": [
            {"label": _("PV"), "data": [f"{row.pv:.2f}" for row in chronological]},
            {"label": _("GV"), "data": [f"{row.gv:.2f}" for row in chronological]},
        ],
    }
    return render(
        request,
        "dashboard/history.html",
        {
            "partner": partner,
            "rows": rows,
            "chart": chart,
            # A line through one or two points says little: bars until there are more.
            "chart_type": "line" if len(rows) > FEW_PERIODS else "bar",
            "active_tab": "history",
        },
    )


CURSOR_MAX = 4000  # a key cursor holds a path head (2,000 characters) and a few values


@require_GET
@partner_required
def team(request, partner):
    period = period_current_open()
    filters = TeamFilterForm(request.GET).cleaned()
    plan = plan_rules()
    page = selectors.team_list(
        partner=partner,
        period=period,
        search=filters["q"],
        sort=filters["sort"],
        close_only=filters["close"],
        plan_desc=plan,
        after=request.GET.get("after", "")[:CURSOR_MAX],
        before=request.GET.get("before", "")[:CURSOR_MAX],
    )
    context = {
        "partner": partner,
        "period": period,
        "page": page,
        "filters": filters,
        "filter_form": TeamFilterForm(initial=filters),
        "active_tab": "team",
    }
    if getattr(request, "htmx", False) and request.htmx.target == "team-list":
        return render(request, "dashboard/_team_list.html", context)
    children = selectors.team_children(node=partner, period=period)
    max_leg = max((c.gv for c in children), default=0)
    context.update(
        {
            "node": partner,
            "children": children,
            "legs": children,
            "max_leg_gv": max_leg,
        }
    )
    return render(request, "dashboard/team.html", context)


@require_GET
@partner_required
def team_node(request, partner, pk: int):
    """The children of one node of the partner's team (htmx: the fragment only)."""
    node = selectors.team_node_get(partner=partner, node_id=pk)
    period = period_current_open()
    children = selectors.team_children(node=node, period=period)
    context = {"partner": partner, "node": node, "children": children, "period": period}
    if getattr(request, "htmx", False):
        return render(request, "dashboard/_team_children.html", context)
    context.update({"path": selectors.team_path(partner=partner, node=node), "active_tab": "team"})
    return render(request, "dashboard/team_node.html", context)


@require_GET
@partner_required
def customers(request, partner):
    page = Paginator(selectors.partner_customers(partner=partner), 20).get_page(
        request.GET.get("page")
    )
    subs = partner_subscriptions(partner=partner)
    return render(
        request,
        "dashboard/customers.html",
        {"partner": partner, "page": page, "subs": subs, "active_tab": "customers"},
    )


@require_GET
@partner_required
def visits(request, partner):
    stats = selectors.landing_stats(partner=partner)
    chart = {
        # In the visitor's language ("3. November" / "November 3"), like the table.
        "labels": [date_format(day.day, "MONTH_DAY_FORMAT") for day in stats.days],
        "datasets": [
            {"label": _("Visits"), "data": [day.visits for day in stats.days]},
            {"label": _("Orders"), "data": [day.orders for day in stats.days]},
        ],
    }
    return render(
        request,
        "dashboard/visits.html",
        {
            "partner": partner,
            "stats": stats,
            "days_desc": list(reversed(stats.days)),
            "chart": chart,
            "landing_url": partner_landing_url(partner=partner, request=request),
            "active_tab": "visits",
        },
    )


PROFILE_FIELDS = (
    "first_name",
    "last_name",
    "message",
    "instagram_url",
    "tiktok_url",
    "youtube_url",
    "website_url",
    "phone",
)


@require_http_methods(["GET", "POST"])
@partner_required
def profile(request, partner):
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.partner_profile_update(
                    partner=partner,
                    photo=data.get("photo"),
                    remove_photo=data.get("remove_photo", False),
                    share_contact=data.get("share_contact", False),
                    **{name: data.get(name) or "" for name in PROFILE_FIELDS},
                )
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                messages.success(
                    request, _("Your profile is saved. Your landing page shows it now.")
                )
                return redirect("dashboard:profile")
        status = 400 if form.errors else 200
    else:
        form = ProfileForm(
            initial={
                **{name: getattr(partner, name) for name in PROFILE_FIELDS},
                "share_contact": partner.contact_shared_at is not None,
            }
        )
        status = 200
    return render(
        request,
        "dashboard/profile.html",
        {
            "partner": partner,
            "form": form,
            "landing_url": partner_landing_url(partner=partner, request=request),
            "active_tab": "profile",
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@partner_required
def tokens(request, partner):
    raw_token = None
    created = None
    if request.method == "POST":
        form = ApiTokenForm(request.POST)
        if form.is_valid():
            try:
                created, raw_token = services.api_token_create(
                    partner=partner, name=form.cleaned_data["name"]
                )
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                form = ApiTokenForm()
    else:
        form = ApiTokenForm()
    response = render(
        request,
        "dashboard/tokens.html",
        {
            "partner": partner,
            "form": form,
            "tokens": selectors.partner_api_tokens(partner=partner),
            "raw_token": raw_token,
            "created": created,
            "api_base": absolute_url(reverse("api:me"), request),
            "active_tab": "tokens",
        },
        status=400 if form.errors else 200,
    )
    # The raw token must not linger in any cache.
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@partner_required
def token_revoke(request, partner, pk: int):
    try:
        token = services.api_token_revoke(partner=partner, token_id=pk)
    except ApiToken.DoesNotExist as exc:
        raise Http404("No such token.") from exc
    messages.success(
        request, _("The token “%(name)s” is revoked and stops working now.") % {"name": token.name}
    )
    return redirect("dashboard:tokens")
