"""Admin for ranks, periods, the volume ledger and the results.

Thin: every change goes through qualification/services.py (rank_save,
rank_delete, period_close_request, period_recompute_request: closes and
recomputes run in the worker, a million partners outlast a web request). The ledger, the results and the
titles are read-only: they are written by the engine only.
"""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from partners.admin_base import ReadOnlyAdmin, euro_column

from .models import (
    CommissionSettings,
    PartnerPeriodStats,
    PartnerTitle,
    Period,
    PeriodClose,
    Rank,
    VolumeEntry,
)
from .selectors import decimal_plain, period_close_last_duration, period_last_day
from .services import (
    commission_settings_save,
    commission_settings_validate,
    period_close_refusal,
    period_close_request,
    period_recompute_request,
    rank_delete,
    rank_save,
    rank_validate,
)


def _volume(value) -> str:
    return number_format(
        value, decimal_pos=0 if value == value.to_integral_value() else 2, force_grouping=True
    )


def rank_summary(rank: Rank) -> str:
    """ "PV ≥ 150 · QGV ≥ 4,000 (max 50 % per leg) · 2 legs with Silver"."""
    parts = [_("PV ≥ %(pv)s") % {"pv": _volume(rank.min_pv)}]
    gv = _("QGV ≥ %(gv)s") % {"gv": _volume(rank.min_gv)}
    if rank.max_leg_percent is not None:
        gv += " " + _("(max %(percent)s %% per leg)") % {
            "percent": decimal_plain(rank.max_leg_percent)
        }
    parts.append(gv)
    if rank.min_qualified_legs:
        parts.append(
            ngettext("%(n)s leg with %(rank)s", "%(n)s legs with %(rank)s", rank.min_qualified_legs)
            % {
                "n": rank.min_qualified_legs,
                "rank": rank.leg_rank.name if rank.leg_rank_id else "?",
            }
        )
    return " · ".join(parts)


# --- Ranks ----------------------------------------------------------------------


class TeamPercentsField(forms.CharField):
    """The team percents as "6; 4" (generation 1 first); validated with the
    plan file's rules by rank_validate."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return "; ".join(str(v) for v in value)
        return value

    def to_python(self, value):
        text = (super().to_python(value) or "").strip()
        if not text:
            return []
        return [part.strip().replace(",", ".") for part in text.split(";")]


class RankForm(forms.ModelForm):
    team_percents = TeamPercentsField(
        label=gettext_lazy("team commission per generation (%)"),
        required=False,
        help_text=gettext_lazy(
            "Percents of the team's CV, generation 1 first, separated by semicolons, e.g. 6; 4."
        ),
    )

    class Meta:
        model = Rank
        fields = (
            "level",
            "name",
            "min_pv",
            "min_gv",
            "max_leg_percent",
            "min_qualified_legs",
            "leg_rank",
            "customer_percent",
            "team_percents",
            "advancement_bonus",
        )
        help_texts = {
            "name": gettext_lazy(
                "Shown as written here to every reader, in German and English alike, and kept "
                "on the statements: name the rank in your partners' language."
            ),
            "customer_percent": gettext_lazy(
                "Percent of the customer CV of a partner paid as this rank."
            ),
            "advancement_bonus": gettext_lazy(
                "Paid once in a lifetime when a partner's title first reaches this rank."
            ),
            "level": gettext_lazy(
                "Unique; higher is better. The paid-as rank is the highest level a partner meets."
            ),
            "min_gv": gettext_lazy(
                "Qualifying group volume: PV plus each leg's GV, each leg counted up to the cap."
            ),
            "max_leg_percent": gettext_lazy(
                # xgettext:no-python-format
                "Optional. A leg counts at most this share of the minimum GV (e.g. 50 % of 4,000 = 2,000)."
            ),
            "min_qualified_legs": gettext_lazy(
                "Legs that need someone with the leg rank (or higher) in them."
            ),
            "leg_rank": gettext_lazy(
                "Required when qualified legs are needed; usually a lower rank."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("customer_percent", "advancement_bonus"):
            self.fields[name].required = False  # empty: 0

    def clean_customer_percent(self):
        value = self.cleaned_data.get("customer_percent")
        return Decimal("0") if value is None else value

    def clean_advancement_bonus(self):
        value = self.cleaned_data.get("advancement_bonus")
        return Decimal("0") if value is None else value

    def _post_clean(self):
        super()._post_clean()
        try:
            rank_validate(rank=self.instance)
        except ValidationError as exc:
            self._update_errors(exc)


@admin.register(Rank)
class RankAdmin(admin.ModelAdmin):
    form = RankForm
    list_display = (
        "level",
        "name",
        "requirements",
        "customer_percent",
        "team_percents_display",
        euro_column(Rank, "advancement_bonus"),
    )
    list_display_links = ("level", "name")
    ordering = ("level",)
    list_select_related = ("leg_rank",)

    @admin.display(description=gettext_lazy("requirements"))
    def requirements(self, obj):
        return rank_summary(obj)

    @admin.display(description=gettext_lazy("team commission per generation (%)"))
    def team_percents_display(self, obj):
        return "; ".join(str(p) for p in obj.team_percents or []) or "–"

    def save_model(self, request, obj, form, change):
        rank_save(rank=obj)

    def delete_model(self, request, obj):
        rank_delete(rank=obj)

    def delete_queryset(self, request, queryset):
        for rank in queryset.order_by("-level"):
            rank_delete(rank=rank)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:qualification_rank_changelist"))


class CommissionSettingsForm(forms.ModelForm):
    class Meta:
        model = CommissionSettings
        fields = ("base_customer_percent", "active_min_pv", "cap_percent", "min_payout")

    def _post_clean(self):
        super()._post_clean()
        try:
            commission_settings_validate(settings=self.instance)
        except ValidationError as exc:
            self._update_errors(exc)


@admin.register(CommissionSettings)
class CommissionSettingsAdmin(admin.ModelAdmin):
    """One row: the plan-wide commission settings."""

    form = CommissionSettingsForm
    list_display = (
        "__str__",
        "base_customer_percent",
        "active_min_pv",
        "cap_percent",
        euro_column(CommissionSettings, "min_payout"),
    )

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not CommissionSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        commission_settings_save(settings=obj)


# --- Periods --------------------------------------------------------------------


def _time(moment) -> str:
    return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT") if moment else "?"


def _duration(span) -> str:
    """8 s, 2 min 36 s, 1 h 05 min: SI units read the same in German and English."""
    seconds = max(int(span.total_seconds()), 1)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


@admin.register(Period)
class PeriodAdmin(admin.ModelAdmin):
    list_display = ("label", "status", "close_state", "runs", "closed_at", "closed_by", "buttons")
    list_filter = ("status",)
    ordering = ("-start",)
    fields = ("start", "runs", "status", "close_state", "closed_at", "closed_by")
    readonly_fields = ("start", "runs", "status", "close_state", "closed_at", "closed_by")
    actions = ("close_periods", "recompute_periods")
    change_list_template = "admin/qualification/period/change_list.html"
    change_form_template = "admin/qualification/period/change_form.html"

    def has_add_permission(self, request):
        return False  # periods are created by the engine (one per month)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        latest = PeriodClose.objects.order_by("-requested_at", "-pk")
        return super().get_queryset(request).prefetch_related(Prefetch("closes", queryset=latest))

    def changelist_view(self, request, extra_context=None):
        # While a close runs in the worker the list refreshes itself.
        any_closing = PeriodClose.objects.filter(status__in=PeriodClose.ACTIVE).exists()
        return super().changelist_view(
            request, {**(extra_context or {}), "any_closing": any_closing}
        )

    @admin.display(description=gettext_lazy("period"), ordering="start")
    def label(self, obj):
        return obj.label

    @admin.display(description=gettext_lazy("runs"))
    def runs(self, obj):
        """ "until 31 December 2026": the last day, not the midnight after it."""
        return _("until %(date)s") % {
            "date": date_format(period_last_day(period=obj), "DATE_FORMAT")
        }

    # -- close and recompute as buttons on the row and on the period's page, each
    # leading to its confirmation page (the list actions' own pages and services)

    def _buttons(self, obj) -> list[tuple[str, str, str]]:
        """(url, label, what it does) of what can be done to the period now."""
        latest = next(iter(obj.closes.all()), None)
        if not obj.is_open or (latest is not None and latest.status in PeriodClose.ACTIVE):
            return []
        buttons = []
        if period_close_refusal(obj) is None:
            buttons.append(
                (
                    reverse("admin:qualification_period_close", args=[obj.pk]),
                    _("Close…"),
                    _("Final recompute, statements, title ranks; then frozen."),
                )
            )
        buttons.append(
            (
                reverse("admin:qualification_period_recompute", args=[obj.pk]),
                _("Recompute…"),
                _("Volumes and ranks computed anew from the ledger; the period stays open."),
            )
        )
        return buttons

    @admin.display(description=gettext_lazy("what can be done"))
    def buttons(self, obj):
        return (
            format_html_join(
                " ",
                '<a class="button" style="white-space:nowrap;display:inline-block;margin:1px 0" href="{}" title="{}">{}</a>',
                ((url, help_text, label) for url, label, help_text in self._buttons(obj)),
            )
            or self.get_empty_value_display()
        )

    def get_list_display(self, request):
        columns = super().get_list_display(request)
        if self.has_change_permission(request):
            return columns
        return [column for column in columns if column != "buttons"]

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/close/", view(self.close_view), name="qualification_period_close"),
            path(
                "<int:pk>/recompute/",
                view(self.recompute_view),
                name="qualification_period_recompute",
            ),
            *super().get_urls(),
        ]

    def _one_period(self, request, pk):
        period = get_object_or_404(Period, pk=pk)
        if not self.has_change_permission(request, period):
            raise PermissionDenied
        return Period.objects.filter(pk=period.pk)

    def close_view(self, request, pk):
        """The close button: the close action's confirmation, for this period."""
        response = self.close_periods(request, self._one_period(request, pk))
        return response or HttpResponseRedirect(reverse("admin:qualification_period_changelist"))

    def recompute_view(self, request, pk):
        """The recompute button: what a recompute does, then the recompute action."""
        periods = self._one_period(request, pk)
        if request.method == "POST" and "apply" in request.POST:
            self.recompute_periods(request, periods)
            return HttpResponseRedirect(reverse("admin:qualification_period_changelist"))
        return TemplateResponse(
            request,
            "qualification/admin/period_recompute_confirm.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Recompute %(label)s?") % {"label": periods.get().label},
                "period": periods.get(),
            },
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        period = self.get_object(request, object_id)
        may_change = period is not None and self.has_change_permission(request, period)
        buttons = self._buttons(period) if may_change else []
        return super().change_view(
            request, object_id, form_url, {**(extra_context or {}), "period_buttons": buttons}
        )

    @admin.display(description=gettext_lazy("close"))
    def close_state(self, obj):
        """The latest close the admins asked for: queued, running since (and
        how long the last one took), failed and why (a done close shows as the
        period's status)."""
        latest = next(iter(obj.closes.all()), None)
        if latest is None or latest.status == PeriodClose.Status.DONE:
            return "–"
        if latest.status == PeriodClose.Status.QUEUED:
            return _("queued since %(time)s") % {"time": _time(latest.requested_at)}
        if latest.status == PeriodClose.Status.RUNNING:
            since = _("running since %(time)s") % {"time": _time(latest.started_at)}
            last = period_close_last_duration()  # rare: only while a close runs
            if last is None:
                return since
            return _("%(since)s; the last close took %(duration)s") % {
                "since": since,
                "duration": _duration(last),
            }
        return _("failed: %(reason)s") % {"reason": latest.message}

    @admin.action(
        description=gettext_lazy("Close selected periods (final recompute, freeze, raise titles)…"),
        permissions=["change"],
    )
    def close_periods(self, request, queryset):
        periods = list(queryset.order_by("start"))
        if "apply" in request.POST:
            try:
                closes = period_close_request(periods=periods, requested_by=request.user)
            except ValidationError as exc:
                for message in exc.messages:
                    self.message_user(request, message, messages.ERROR)
                return None
            # The embedded mode's eager worker has closed them already.
            for close in PeriodClose.objects.filter(pk__in=[c.pk for c in closes]).order_by(
                "period__start"
            ):
                if close.status == PeriodClose.Status.DONE:
                    self.message_user(request, close.message, messages.SUCCESS)
                elif close.status == PeriodClose.Status.FAILED:
                    self.message_user(request, close.message, messages.ERROR)
                else:
                    self.message_user(
                        request,
                        _(
                            "Closing %(label)s in the background (final recompute, statements, "
                            "title ranks). This list shows when it is done."
                        )
                        % {"label": close.period.label},
                        messages.SUCCESS,
                    )
            return None
        return TemplateResponse(
            request,
            "qualification/admin/period_close_confirm.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Close periods?"),
                "periods": periods,
                "action": "close_periods",
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(
        description=gettext_lazy("Recompute selected open periods from the ledger"),
        permissions=["change"],
    )
    def recompute_periods(self, request, queryset):
        periods = list(queryset.order_by("start"))
        try:
            period_recompute_request(periods=periods)
        except ValidationError as exc:
            for message in exc.messages:
                self.message_user(request, message, messages.ERROR)
            return
        self.message_user(
            request,
            _(
                "Recomputing %(labels)s from the ledger in the background; the results "
                "are replaced when it is done."
            )
            % {"labels": ", ".join(p.label for p in periods)},
            messages.SUCCESS,
        )


# --- Ledger, results, titles (read-only) -------------------------------------------


class EventKindFilter(admin.ChoicesFieldListFilter):
    """The order event's kind, titled "event" (the field itself has no name)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = gettext_lazy("event")


@admin.register(VolumeEntry)
class VolumeEntryAdmin(ReadOnlyAdmin):
    """The append-only ledger: corrections are new entries, never edits."""

    list_display = ("booked_at", "period", "order", "event_kind", "partner", "kind", "qv", "cv")
    list_filter = ("period", "kind", ("order_event__kind", EventKindFilter))
    search_fields = ("order__number", "order__external_id", "partner__slug")
    list_select_related = ("period", "order", "partner", "order_event")
    date_hierarchy = "booked_at"
    show_full_result_count = False

    @admin.display(description=gettext_lazy("event"))
    def event_kind(self, obj):
        return obj.order_event.get_kind_display()


class PaidAsRankFilter(admin.SimpleListFilter):
    title = gettext_lazy("paid-as rank")
    parameter_name = "paid_as_level"

    def lookups(self, request, model_admin):
        return [
            ("0", _("no rank")),
            *((str(level), name) for level, name in Rank.objects.values_list("level", "name")),
        ]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        try:
            return queryset.filter(paid_as_level=int(self.value()))
        except ValueError:
            return queryset.none()


@admin.register(PartnerPeriodStats)
class PartnerPeriodStatsAdmin(ReadOnlyAdmin):
    list_display = (
        "partner",
        "period",
        "pv",
        "customer_pv",
        "own_pv",
        "gv",
        "paid_as",
        "updated_at",
    )
    list_filter = ("period", PaidAsRankFilter)
    search_fields = ("partner__slug", "partner__last_name", "partner__external_id")
    list_select_related = ("partner", "period")
    ordering = ("-period__start", "-gv")
    show_full_result_count = False

    @admin.display(description=gettext_lazy("paid-as rank"), ordering="paid_as_level")
    def paid_as(self, obj):
        return obj.paid_as_name or "–"


@admin.register(PartnerTitle)
class PartnerTitleAdmin(ReadOnlyAdmin):
    list_display = ("partner", "name", "level", "achieved_in", "updated_at")
    list_filter = ("level",)
    search_fields = ("partner__slug", "partner__last_name")
    list_select_related = ("partner", "achieved_in")
