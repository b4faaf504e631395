"""Periods (spec 4): calendar months in the company time zone, closing and
freezing, title ranks (spec 5)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from orders.services import order_refund
from qualification import tasks
from qualification.models import PartnerTitle, Period
from qualification.selectors import partner_stats, period_by_label
from qualification.services import period_close, period_current_open, period_for, period_recompute
from tests.factories import PartnerFactory, UserFactory

from .conftest import D, berlin, results

pytestmark = pytest.mark.django_db

SEP, OCT = berlin(2026, 9, 10, 12), berlin(2026, 10, 10, 12)


def test_a_period_is_the_calendar_month_in_berlin():
    assert period_for(at=berlin(2026, 10, 1, 0, 0)).start.isoformat() == "2026-10-01"
    assert period_for(at=berlin(2026, 9, 30, 23, 59)).start.isoformat() == "2026-09-01"
    assert period_for(at=berlin(2026, 10, 1, 0, 0)) == period_for(at=berlin(2026, 10, 31, 23, 59))
    assert period_by_label("2026-10") == period_for(at=OCT)
    with pytest.raises(ValidationError, match="YYYY-MM"):
        period_by_label("10/2026")


def test_the_beat_task_creates_the_current_period():
    assert not Period.objects.exists()
    period = Period.objects.get(pk=tasks.ensure_current_period())
    assert period == period_for(at=timezone.now()) == period_current_open()
    assert period.is_open


def test_closing_freezes_the_period(example_plan, paid_order):
    admin = UserFactory(is_staff=True)
    anna = PartnerFactory()
    paid_order(anna, 160, at=OCT)
    october = period_for(at=OCT)

    period_close(period=october, closed_by=admin)

    october.refresh_from_db()
    assert (
        october.status == Period.Status.CLOSED and october.closed_by == admin and october.closed_at
    )
    with pytest.raises(ValidationError, match="closed"):
        period_recompute(period=october)


def test_closing_twice_is_refused(paid_order):
    october = period_for(at=OCT)
    period_close(period=october)
    with pytest.raises(ValidationError, match="2026-10 is closed already"):
        period_close(period=october)


def test_closing_the_current_or_a_future_month_is_refused():
    current = period_for(at=timezone.now())
    future = period_for(at=timezone.now() + timedelta(days=40))
    for period in (current, future):
        with pytest.raises(ValidationError, match="has not ended yet"):
            period_close(period=period)
        period.refresh_from_db()
        assert period.is_open


def test_closing_makes_a_final_recompute_of_queued_volume():
    from orders.services import order_mark_paid

    from .conftest import make_order

    anna = PartnerFactory()
    order_mark_paid(order=make_order(anna, 42), paid_at=OCT)  # queued, its task not run yet
    october = period_for(at=OCT)

    period_close(period=october)

    assert partner_stats(partner=anna, period=october).pv == D(42)


def test_closed_results_never_change_after_refunds_plan_changes_or_moves(
    example_plan, committed, paid_order
):
    from partners.services import partner_move
    from qualification.services import plan_load

    from .conftest import EXAMPLE_PLAN

    anna = PartnerFactory()
    ben = PartnerFactory(sponsor=anna)
    order = paid_order(ben, 1200, at=OCT)
    october = period_for(at=OCT)
    period_close(period=october)
    frozen = results(october)

    with committed():
        order_refund(order=order)
    with committed():
        plan_load(data={"ranks": [dict(EXAMPLE_PLAN["ranks"][0], name="Starter")]})
    with committed():
        partner_move(partner=ben, new_sponsor=None, reason="restructuring")

    assert results(october) == frozen
    assert frozen[ben.pk][5] == "Silver"


def test_title_rank_is_the_highest_paid_as_of_closed_periods_and_never_goes_down(
    example_plan, paid_order
):
    anna = PartnerFactory()
    paid_order(anna, 400, at=SEP)
    paid_order(
        PartnerFactory(sponsor=anna), 1000, at=SEP
    )  # Silver in September: 400 + min(1000, 600)
    paid_order(anna, 150, at=OCT)  # Bronze in October
    september, october = period_for(at=SEP), period_for(at=OCT)
    assert not PartnerTitle.objects.exists()  # open periods give no title

    period_close(period=september)
    title = PartnerTitle.objects.get(partner=anna)
    assert (title.name, title.level, title.achieved_in) == ("Silver", 2, september)

    period_close(period=october)  # a lower rank later never lowers the title
    title.refresh_from_db()
    assert (title.name, title.achieved_in) == ("Silver", september)


def test_title_keeps_its_name_when_the_rank_is_renamed_later(example_plan, committed, paid_order):
    from qualification.models import Rank
    from qualification.services import rank_save

    anna = PartnerFactory()
    paid_order(anna, 150, at=OCT)
    period_close(period=period_for(at=OCT))
    bronze = Rank.objects.get(name="Bronze")
    bronze.name = "Bronze Star"
    with committed():
        rank_save(rank=bronze)

    assert PartnerTitle.objects.get(partner=anna).name == "Bronze"


@pytest.mark.parametrize(
    "label", ["2026-13", "2026-00", "10/2026", "2026-1", "", "abcd-ef", "0999-05"]
)
def test_a_malformed_period_label_is_refused_with_a_clear_message(label):
    from qualification.periods import period_parse

    with pytest.raises(ValidationError, match="is not a month; write it as YYYY-MM"):
        period_parse(label)


def test_a_period_label_names_its_first_day_and_month_start_uses_company_time():
    from qualification.periods import month_start, period_parse

    assert period_parse(" 2026-10 ") == date(2026, 10, 1)
    # 23:30 UTC on 31 October is already November in Berlin
    assert month_start(datetime(2026, 10, 31, 23, 30, tzinfo=ZoneInfo("UTC"))) == date(2026, 11, 1)
    assert month_start(datetime(2026, 10, 31, 23, 30)) == date(2026, 10, 1)  # naive = company time
