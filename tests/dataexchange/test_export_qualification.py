from datetime import date
from decimal import Decimal

import pytest

from partners.models import Partner
from qualification.models import PartnerPeriodStats, Period
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db


def stats_row(partner, period, pv="0", customer="0", own="0", gv="0", level=0, name=""):
    return PartnerPeriodStats.objects.create(
        partner=partner,
        period=period,
        pv=Decimal(pv),
        customer_pv=Decimal(customer),
        own_pv=Decimal(own),
        gv=Decimal(gv),
        paid_as_level=level,
        paid_as_name=name,
    )


def test_export_has_the_header_one_row_per_partner_by_slug_two_decimals_and_empty_ranks(run):
    # given partners (one without external id, one without results) and results of October
    october = Period.objects.create(start=date(2026, 10, 1))
    zora = PartnerFactory(slug="zora", external_id="Z-1")
    anna = PartnerFactory(slug="anna", external_id="A-1", sponsor=zora)
    PartnerFactory(slug="anna-b")  # no external id, no results
    PartnerFactory(slug="annab", external_id="A-2")
    stats_row(anna, october, pv="160", customer="0", own="160", gv="2230.5", level=2, name="Silver")
    stats_row(zora, october, pv="-12.5", customer="-12.5", gv="2218")
    # when exported
    out = run("export_qualification", "--period", "2026-10")
    # then
    assert out == (
        "external_id,slug,pv,customer_pv,own_pv,gv,paid_as_rank,title_rank\n"
        "A-1,anna,160.00,0.00,160.00,2230.50,Silver,\n"
        ",anna-b,0.00,0.00,0.00,0.00,,\n"
        "A-2,annab,0.00,0.00,0.00,0.00,,\n"
        "Z-1,zora,-12.50,-12.50,0.00,2218.00,,\n"
    )


def test_title_rank_is_the_best_paid_as_rank_of_closed_periods_up_to_the_period(run):
    anna = PartnerFactory(slug="anna", external_id="A-1")
    august = Period.objects.create(start=date(2026, 8, 1), status=Period.Status.CLOSED)
    september = Period.objects.create(start=date(2026, 9, 1), status=Period.Status.CLOSED)
    october = Period.objects.create(start=date(2026, 10, 1))
    stats_row(anna, august, pv="100", level=2, name="Silver")
    stats_row(anna, september, pv="100", level=1, name="Bronze")
    stats_row(anna, october, pv="500", level=3, name="Gold")  # open: live paid-as, no title yet
    assert (
        run("export_qualification", "--period", "2026-10").splitlines()[1]
        == "A-1,anna,500.00,0.00,0.00,0.00,Gold,Silver"
    )
    assert (
        run("export_qualification", "--period", "2026-09")
        .splitlines()[1]
        .endswith(",Bronze,Silver")
    )


def test_export_to_a_file(run, tmp_path):
    Period.objects.create(start=date(2026, 10, 1))
    PartnerFactory(slug="anna", external_id="A-1")
    target = tmp_path / "out.csv"
    call_out = run("export_qualification", "--period", "2026-10", "--output", str(target))
    assert call_out == ""
    assert target.read_text(encoding="utf-8").splitlines() == [
        "external_id,slug,pv,customer_pv,own_pv,gv,paid_as_rank,title_rank",
        "A-1,anna,0.00,0.00,0.00,0.00,,",
    ]


def test_bad_or_unknown_period_is_refused(run):
    assert "not a month" in run.refused("export_qualification", "--period", "2026-13")
    assert "not a month" in run.refused("export_qualification", "--period", "Oktober")
    assert "There is no period 2031-01 yet." in run.refused(
        "export_qualification", "--period", "2031-01"
    )


def test_export_streams_without_listing_all_partners(db):
    # the rows come from an iterator, one query, and the generator yields lazily
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from qualification.dataexchange import qualification_export_rows

    october = Period.objects.create(start=date(2026, 10, 1))
    for i in range(5):
        PartnerFactory(slug=f"p-{i:03d}")
    rows = qualification_export_rows(period=october, chunk_size=2)
    with CaptureQueriesContext(connection) as queries:
        assert next(rows)[0] == "external_id"
        body = list(rows)
    assert [r[1] for r in body] == [f"p-{i:03d}" for i in range(5)]
    assert len(queries) == 1
    assert Partner.objects.count() == 5


def test_export_neutralises_cells_a_spreadsheet_would_run_as_a_formula_but_keeps_numbers(run):
    october = Period.objects.create(start=date(2026, 10, 1))
    anna = PartnerFactory(slug="anna", external_id='=HYPERLINK("http://evil","x")')
    ben = PartnerFactory(slug="ben", external_id="@SUM(A1)", sponsor=anna)
    cleo = PartnerFactory(slug="cleo", external_id="+49 30 123", sponsor=anna)
    PartnerFactory(slug="dora", external_id="-cmd|' /C calc'!A0", sponsor=anna)
    stats_row(anna, october, pv="-12.5", level=1, name="=1+1")
    stats_row(ben, october, pv="5", level=1, name="-Bronze")
    stats_row(cleo, october)
    lines = run("export_qualification", "--period", "2026-10").splitlines()
    assert lines[1] == '"\'=HYPERLINK(""http://evil"",""x"")",anna,-12.50,0.00,0.00,0.00,\'=1+1,'
    assert lines[2] == "'@SUM(A1),ben,5.00,0.00,0.00,0.00,'-Bronze,"
    assert lines[3].startswith("'+49 30 123,cleo,0.00,")
    assert lines[4].startswith("'-cmd|' /C calc'!A0,dora,")


@pytest.mark.parametrize(
    "value, cell",
    [
        ("=1+1", "'=1+1"),
        ("+1+1", "'+1+1"),
        ("-A1", "'-A1"),
        ("@A1", "'@A1"),
        ("-5.00", "-5.00"),
        ("+5", "+5"),
        ("12.50", "12.50"),
        (Decimal("-5.00"), "-5.00"),
        (-3, "-3"),
        ("Anna", "Anna"),
        ("", ""),
        (None, ""),
    ],
)
def test_one_rule_decides_every_csv_cell(value, cell):
    from partners.csvio import csv_cell

    assert csv_cell(value) == cell


def test_every_csv_the_product_writes_goes_through_the_one_cell_rule():
    """No app writes CSV with the bare csv module: partners.csvio.CsvWriter does."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    skip = {".venv", "tests", "bench", "node_modules", "migrations"}
    bare = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if not skip & set(path.relative_to(root).parts)
        and path.relative_to(root).as_posix() != "partners/csvio.py"
        and re.search(r"csv\.(writer|DictWriter)\(", path.read_text(encoding="utf-8"))
    ]
    assert bare == [], "write CSV with partners.csvio.CsvWriter (formula-safe cells)"
