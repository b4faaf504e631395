"""The company's reports as admin pages (and CSV). Thin: parse the query, call a
selector, render. Staff with "view commission summaries" may read them."""

import io
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseBadRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.csvio import CsvWriter
from qualification.models import Period
from qualification.periods import company_tz, next_month, period_name, period_parse

from . import selectors

PERMISSION = "commissions.view_periodcommissionsummary"


def _guard(request) -> None:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied


def _render(request, template: str, title: str, **context) -> TemplateResponse:
    return TemplateResponse(
        request, template, {**admin.site.each_context(request), "title": title, **context}
    )


def _csv(filename: str, header: list, rows) -> HttpResponse:
    buffer = io.StringIO()
    writer = CsvWriter(buffer, delimiter=";")
    writer.writerow(header)
    writer.writerows(rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _month(request) -> date:
    """?period=YYYY-MM, or the current month; ValidationError on anything else."""
    label = request.GET.get("period")
    if not label:
        return timezone.localtime(timezone.now(), company_tz()).date().replace(day=1)
    return period_parse(label)


def _bad(message) -> HttpResponseBadRequest:
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


def _eur(value) -> str:
    """Amounts in the CSV always with two decimals and a point: 12.50."""
    return "" if value is None else f"{Decimal(value):.2f}"


def _share(value: Decimal | None) -> str:
    return "" if value is None else f"{value * 100:.1f}"


def index(request):
    _guard(request)
    summaries = selectors.period_summaries()
    chart = {
        "labels": [period_name(row["period"]) for row in reversed(summaries)],
        "datasets": [
            {
                "label": _("Payout in % of CV"),
                "data": [str(row["payout_percent"] or 0) for row in reversed(summaries)],
            }
        ],
    }
    by_rank, period = [], None
    if summaries:
        try:
            start = period_parse(request.GET["period"]) if request.GET.get("period") else None
        except ValidationError as exc:
            return _bad(" ".join(exc.messages))
        period = (
            summaries[0]["period"] if start is None else Period.objects.filter(start=start).first()
        )
        if period is not None:
            by_rank = selectors.period_by_rank(period=period)
    return _render(
        request,
        "admin/reports/index.html",
        _("Reports"),
        summaries=summaries,
        chart=chart,
        by_rank=by_rank,
        period=period,
    )


def income_disclosure(request):
    _guard(request)
    raw = request.GET.get("year") or str(timezone.localdate().year)
    if not raw.isdigit() or not 1900 <= int(raw) <= 9999:
        return _bad(_("“%(value)s” is not a year; write it as YYYY, e.g. 2026.") % {"value": raw})
    year = int(raw)
    groups = selectors.income_disclosure(year=year)
    percentiles = selectors.PERCENTILES
    if request.GET.get("format") == "csv":
        return _csv(
            f"income-disclosure-{year}.csv",
            [
                "title_level",
                "title",
                "partners",
                "earning_nothing",
                "share_earning_nothing_percent",
                "mean_eur",
                "median_eur",
                *[f"p{p}_eur" for p in percentiles],
            ],
            (
                [
                    "" if g.level < 0 else g.level,
                    _("all partners") if g.level < 0 else (g.title or _("no title")),
                    g.partners,
                    g.earning_nothing,
                    g.share_earning_nothing if g.share_earning_nothing is not None else "",
                    _eur(g.mean),
                    _eur(g.median),
                    *[_eur(g.percentiles[p]) for p in percentiles],
                ]
                for g in groups
            ),
        )
    chart = {
        "labels": [
            _("all partners") if g.level < 0 else (g.title or _("no title")) for g in groups
        ],
        "datasets": [{"label": _("Median (EUR)"), "data": [str(g.median or 0) for g in groups]}],
    }
    return _render(
        request,
        "admin/reports/income_disclosure.html",
        _("Income disclosure %(year)s") % {"year": year},
        groups=groups,
        percentiles=percentiles,
        year=year,
        chart=chart,
    )


def customer_share(request):
    _guard(request)
    try:
        start = _month(request)
    except ValidationError as exc:
        return _bad(" ".join(exc.messages))
    period = Period.objects.filter(start=start).first()
    rows = selectors.customer_share(period=period) if period else []
    threshold = Decimal(str(settings.OWN_PURCHASE_SHARE_ALERT))
    flagged = selectors.own_purchases_dominate(rows, threshold=threshold)
    if request.GET.get("format") == "csv":
        return _csv(
            f"customer-share-{start:%Y-%m}.csv",
            [
                "partner",
                "name",
                "customer_cv",
                "own_cv",
                "cv",
                "customer_share_percent",
                "own_purchases_dominate",
            ],
            (
                [
                    r.slug,
                    r.name,
                    _eur(r.customer_cv),
                    _eur(r.own_cv),
                    _eur(r.cv),
                    _share(r.customer_share),
                    "yes" if r in flagged else "no",
                ]
                for r in rows
            ),
        )
    return _render(
        request,
        "admin/reports/customer_share.html",
        _("Customer share %(period)s") % {"period": period_name(start)},
        rows=rows,
        flagged=flagged,
        threshold_percent=threshold * 100,
        start=start,
    )


def revenue(request):
    _guard(request)
    try:
        start = _month(request)
    except ValidationError as exc:
        return _bad(" ".join(exc.messages))
    figures = selectors.revenue_by_attribution(start=start, end=next_month(start))
    channel_labels = {
        "landing": _("landing page"),
        "code": _("partner code"),
        "bound": _("bound customer"),
        "own": _("own order"),
        "other": _("other"),
    }
    channels = [
        {"name": name, "label": channel_labels[name], **values}
        for name, values in figures["channels"].items()
    ]
    if request.GET.get("format") == "csv":
        return _csv(
            f"revenue-{start:%Y-%m}.csv",
            ["attribution", "orders", "revenue_eur"],
            ([r["reason"], r["orders"], _eur(r["revenue"])] for r in figures["reasons"]),
        )
    chart = {
        "labels": [c["label"] for c in channels],
        "datasets": [{"label": _("Revenue (EUR)"), "data": [str(c["revenue"]) for c in channels]}],
    }
    return _render(
        request,
        "admin/reports/revenue.html",
        _("Revenue %(period)s") % {"period": period_name(start)},
        reasons=figures["reasons"],
        channels=channels,
        total=figures["total"],
        start=start,
        chart=chart,
    )


def returns(request):
    _guard(request)
    try:
        start = _month(request)
    except ValidationError as exc:
        return _bad(" ".join(exc.messages))
    end = next_month(start)
    by_product = selectors.returns_by_product(start=start, end=end)
    by_partner = selectors.returns_by_partner(start=start, end=end)
    if request.GET.get("format") == "csv":
        return _csv(
            f"returns-by-partner-{start:%Y-%m}.csv",
            ["partner_id", "slug", "orders", "returned_orders", "share_percent", "flag"],
            (
                [
                    r["partner"].pk,
                    r["partner"].slug,
                    r["orders"],
                    r["returned"],
                    "" if r["share"] is None else f"{r['share']:.2f}",
                    int(r["flag"]),
                ]
                for r in by_partner
            ),
        )
    return _render(
        request,
        "admin/reports/returns.html",
        _("Returns %(period)s") % {"period": f"{start:%Y-%m}"},
        by_product=by_product,
        by_partner=by_partner,
        start=start,
        flag_share=selectors.RETURN_FLAG_SHARE,
        flag_min=selectors.RETURN_FLAG_MIN,
    )


def oss(request):
    """The quarterly OSS return: net and VAT per EU country and rate (page, CSV)."""
    _guard(request)
    today = timezone.localdate()
    try:
        start = (
            selectors.quarter_parse(request.GET["quarter"])
            if request.GET.get("quarter")
            else selectors.quarter_of(today)
        )
    except ValidationError as exc:
        return _bad(" ".join(exc.messages))
    label = f"{start.year}-Q{(start.month + 2) // 3}"
    rows = selectors.oss_return(start=start)
    if request.GET.get("format") == "csv":
        return _csv(
            f"oss-{label}.csv",
            ["quarter", "country", "rate_percent", "net_eur", "vat_eur", "documents"],
            (
                [label, r.country, f"{r.rate:.2f}", _eur(r.net), _eur(r.vat), r.documents]
                for r in rows
            ),
        )
    return _render(
        request,
        "admin/reports/oss.html",
        _("OSS return %(quarter)s") % {"quarter": label},
        rows=rows,
        quarter=label,
        net_total=sum((r.net for r in rows), Decimal("0.00")),
        vat_total=sum((r.vat for r in rows), Decimal("0.00")),
    )
