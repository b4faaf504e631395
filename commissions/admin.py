"""Admin for statements and the period summaries: read-only. Statements are
written once, by closing a period (commissions.services), and never edited."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import admin
from django.db.models import Count, Q
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from partners.admin_base import euro_column

from . import selectors, wording
from .models import PeriodCommissionSummary, Statement, StatementLine

INLINE_LINES = 200


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AmountFilter(admin.SimpleListFilter):
    title = _("total")
    parameter_name = "total"
    RANGES = {
        "negative": (None, Decimal("0")),
        "0-100": (Decimal("0"), Decimal("100")),
        "100-1000": (Decimal("100"), Decimal("1000")),
        "1000-": (Decimal("1000"), None),
    }

    def lookups(self, request, model_admin):
        return [
            ("negative", _("below 0 € (clawback)")),
            ("0-100", _("0 € to under 100 €")),
            ("100-1000", _("100 € to under 1,000 €")),
            ("1000-", _("1,000 € and more")),
        ]

    def queryset(self, request, queryset):
        bounds = self.RANGES.get(self.value() or "")
        if bounds is None:
            return queryset
        low, high = bounds
        if low is not None:
            queryset = queryset.filter(total__gte=low)
        if high is not None:
            queryset = queryset.filter(total__lt=high)
        return queryset


class PayoutFilter(admin.SimpleListFilter):
    title = _("payout")
    parameter_name = "paid"

    def lookups(self, request, model_admin):
        return [("yes", _("paid out")), ("no", _("carried forward"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(payout__gt=0)
        if self.value() == "no":
            return queryset.filter(payout=0)
        return queryset


def _line_in_words(line: StatementLine) -> str:
    statement = line.statement
    return selectors.line_sentence(
        line,
        active_min_pv=selectors.plan_setting(statement.period, "active_min_pv"),
        owner_name=statement.partner.full_name,
    )


class StatementLineFormSet(BaseInlineFormSet):
    def get_queryset(self):
        # A top leader's statement can have thousands of lines: the page shows the
        # first ones, the line list (linked) pages through all of them.
        return super().get_queryset()[:INLINE_LINES]


class StatementLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = StatementLine
    formset = StatementLineFormSet
    fields = ("kind", "in_words", "amount")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False
    verbose_name = _("line")
    verbose_name_plural = _("lines (the first 200; every line under “all lines”)")

    def get_queryset(self, request):
        return selectors.statement_lines_for_admin()

    @admin.display(description=_("in words"))
    def in_words(self, line):
        return _line_in_words(line)


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    # Fits 1366 px: the bonus and the carry are on the statement (and the carry
    # in the payout filter).
    list_display = (
        "period",
        "partner",
        "paid_as_rank_name",
        euro_column(Statement, "customer_commission"),
        euro_column(Statement, "team_commission"),
        euro_column(Statement, "total"),
        euro_column(Statement, "payout"),
    )
    list_filter = (
        ("period", admin.RelatedOnlyFieldListFilter),
        "paid_as_rank_name",
        AmountFilter,
        PayoutFilter,
    )
    search_fields = (
        "partner__slug",
        "partner__first_name",
        "partner__last_name",
        "partner__external_id",
    )
    list_select_related = ("period", "partner")
    ordering = ("-period__start", "-total")
    fields = (
        "period",
        "partner",
        "paid_as_rank_name",
        "paid_as_level",
        "active_qualified",
        "pv",
        "cv",
        "customer_cv",
        "own_cv",
        "customer_commission",
        "team_commission",
        "advancement_bonus",
        "total",
        "carried_in",
        "payout",
        "carried_out",
        "carry_reason",
        "customer_orders",
        "all_lines",
    )
    readonly_fields = fields
    inlines = [StatementLineInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("period", "partner")

    @admin.display(description=_("why carried forward"))
    def carry_reason(self, statement):
        return (
            wording.carry_sentence(
                carried_out=statement.carried_out,
                min_payout=selectors.plan_setting(statement.period, "min_payout"),
            )
            or "–"
        )

    @admin.display(description=_("customer commission by order"))
    def customer_orders(self, statement):
        page = selectors.statement_customer_orders_page(statement=statement, per_page=50)
        if not page.object_list:
            return "–"
        items = format_html_join("", "<li>{}</li>", ((row.sentence,) for row in page.object_list))
        more = ""
        if page.paginator.count > len(page.object_list):
            more = format_html(
                "<p>{}</p>",
                ngettext(
                    "The first %(shown)d of %(count)d order.",
                    "The first %(shown)d of %(count)d orders.",
                    page.paginator.count,
                )
                % {"shown": len(page.object_list), "count": page.paginator.count},
            )
        return format_html("<ul>{}</ul>{}", items, more)

    @admin.display(description=_("all lines"))
    def all_lines(self, statement):
        url = reverse("admin:commissions_statementline_changelist")
        return format_html(
            '<a href="{}?statement__id__exact={}">{}</a>',
            url,
            statement.pk,
            _("Page through every line of this statement"),
        )


@admin.register(StatementLine)
class StatementLineAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("statement", "kind", "in_words", "amount_eur")
    list_filter = ("kind",)
    list_select_related = ("statement__period", "statement__partner", "source_partner", "order")
    list_per_page = 100
    search_fields = ("statement__partner__slug", "source_partner__slug")

    def get_model_perms(self, request):
        return {}  # reached from a statement, not from the index

    def get_queryset(self, request):
        return selectors.with_paid_generation(super().get_queryset(request))

    @admin.display(description=_("amount"), ordering="amount")
    def amount_eur(self, line):
        """The exact amount (before rounding, as many places as it has) in euros."""
        places = max(2, -line.amount.normalize().as_tuple().exponent)
        return f"{number_format(line.amount, places, use_l10n=True, force_grouping=True)}\u00a0€"

    @admin.display(description=_("in words"))
    def in_words(self, line):
        return _line_in_words(line)


@admin.register(PeriodCommissionSummary)
class PeriodCommissionSummaryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    # Fits 1366 px; the bonus, the carry and the partners paid are on the page.
    list_display = (
        "period",
        euro_column(PeriodCommissionSummary, "cv_total"),
        euro_column(PeriodCommissionSummary, "customer_commission"),
        euro_column(PeriodCommissionSummary, "team_commission"),
        "cap",
        euro_column(PeriodCommissionSummary, "total"),
        euro_column(PeriodCommissionSummary, "payout_total"),
        "payout_percent",
        "statement_count",
    )
    ordering = ("-period__start",)
    fields = (
        "period",
        "cv_total",
        "customer_commission",
        "team_commission",
        "advancement_bonus",
        "cap",
        "total",
        "payout_total",
        "payout_percent",
        "carried_total",
        "statement_count",
        "partners_paid",
        "cap_limit",
        "customer_total",
        "team_total",
        "computed_at",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("period")
            .annotate(
                paid_count=Count("period__statements", filter=Q(period__statements__payout__gt=0))
            )
        )

    @admin.display(description=_("cap factor"))
    def cap(self, summary):
        if summary.cap_factor is None:
            return _("not applied")
        return wording.factor_display(summary.cap_factor)

    @admin.display(description=_("payout as a share of CV"))
    def payout_percent(self, summary):
        if not summary.cv_total:
            return "–"
        percent = (summary.payout_total * 100 / summary.cv_total).quantize(Decimal("0.01"))
        return wording.percent_display(percent)

    @admin.display(description=_("partners paid"))
    def partners_paid(self, summary):
        return summary.paid_count
