"""The worked example of commissions.md section 9, through the public commands:
load_plan, import_partners, import_orders, close_period, export_commissions."""

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from commissions.models import PeriodCommissionSummary, Statement
from qualification.models import Period

EXAMPLE = Path(__file__).resolve().parent / "commission-team.json"
SHARED = (
    Path(__file__).resolve().parents[2]
    / ".."
    / "shared"
    / "spec"
    / "examples"
    / "commission-team.json"
)
PARTNER_COLUMNS = [
    "external_id",
    "email",
    "first_name",
    "last_name",
    "slug",
    "sponsor_external_id",
    "joined_at",
    "status",
]
ORDER_COLUMNS = [
    "external_id",
    "customer_email",
    "partner_external_id",
    "paid_at",
    "currency",
    "total",
    "qv",
    "refunded_at",
    "cv",
]


def write_csv(path, columns, rows):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})
    return path


def run(command, *args):
    out = io.StringIO()
    if command.startswith("import_"):
        args = (*args, "--no-progress")
    call_command(command, *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.skipif(not SHARED.exists(), reason="the shared spec is not next to the repository")
def test_repository_copy_of_the_example_equals_the_shared_spec():
    assert json.loads(EXAMPLE.read_text(encoding="utf-8")) == json.loads(
        SHARED.read_text(encoding="utf-8")
    )


@pytest.mark.django_db(transaction=True)
def test_commission_team_example_comes_out_exactly_as_expected(tmp_path):
    # given the example's plan, partners and orders as files
    example = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(example["plan"]), encoding="utf-8")
    partners = write_csv(tmp_path / "partners.csv", PARTNER_COLUMNS, example["partners"])
    orders = write_csv(tmp_path / "orders.csv", ORDER_COLUMNS, example["orders"])

    # when loaded through the commands, and each step's period closed and exported
    run("load_plan", str(plan))
    run("import_partners", str(partners))
    run("import_orders", str(orders))
    for step in example["steps"]:
        run("close_period", step["close_period"])
        out = run("export_commissions", "--period", step["close_period"])

        # then the export is exactly the expected rows, in order
        rows = list(csv.DictReader(io.StringIO(out)))
        assert rows == step["expected_commissions"], step["close_period"]

    # and the plan paid with is stored with each closed period
    september = Period.objects.get(start="2026-09-01")
    assert september.plan == json.loads(run("dump_plan"))
    assert september.plan["commissions"] == example["plan"]["commissions"]


@pytest.mark.django_db(transaction=True)
def test_commission_team_example_explains_every_amount(tmp_path):
    example = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(example["plan"]), encoding="utf-8")
    run("load_plan", str(plan))
    run("import_partners", str(write_csv(tmp_path / "p.csv", PARTNER_COLUMNS, example["partners"])))
    run("import_orders", str(write_csv(tmp_path / "o.csv", ORDER_COLUMNS, example["orders"])))
    run("close_period", "2026-09")
    run("close_period", "2026-10")

    # September: the cap scaled the team commissions by one factor
    summary = PeriodCommissionSummary.objects.get(period__start="2026-09-01")
    assert str(summary.cv_total) == "2016.87"
    assert 0 < summary.cap_factor < 1
    anna = Statement.objects.get(period__start="2026-09-01", partner__slug="anna")
    assert {line.rank_name for line in anna.lines.filter(kind="bonus")} == {"Silver"}
    assert anna.lines.filter(kind="cap").get().factor == summary.cap_factor
    # October: Gina (inactive) is skipped for Hugo's CV, Emil gets it as generation 1, Ben as generation 2
    emil = Statement.objects.get(period__start="2026-10-01", partner__slug="emil")
    line = emil.lines.get(kind="team")
    assert (line.source_partner.slug, line.generation, str(line.cv), str(line.percent)) == (
        "hugo",
        1,
        "175.00",
        "5.0000",
    )
    assert {
        (li.skipped_partner.slug, li.source_partner.slug, li.reason)
        for li in emil.lines.filter(kind="skipped")
    } == {
        ("gina", "hugo", "inactive"),
    }
    ben = Statement.objects.get(period__start="2026-10-01", partner__slug="ben")
    # Ben is Bronze in October: one generation only, so Hugo (generation 2) pays him nothing
    assert {(li.source_partner.slug, li.generation) for li in ben.lines.filter(kind="team")} == {
        ("emil", 1)
    }
    assert not Statement.objects.filter(
        period__start="2026-10-01", partner__slug__in=["anna", "gina"]
    ).exists()
