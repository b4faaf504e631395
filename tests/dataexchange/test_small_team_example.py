"""The worked example of qualification.md section 6, through the public commands:
load_plan, import_partners, import_orders, export_qualification."""

import csv
import io
import json
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parent / "small-team.json"
SHARED = (
    Path(__file__).resolve().parents[2] / ".." / "shared" / "spec" / "examples" / "small-team.json"
)
PARTNER_COLUMNS = ["external_id", "email", "first_name", "last_name", "slug", "sponsor_external_id"]
ORDER_COLUMNS = [
    "external_id",
    "customer_email",
    "partner_external_id",
    "paid_at",
    "currency",
    "total",
    "qv",
    "refunded_at",
]


def write_csv(path, columns, rows):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})
    return path


@pytest.mark.skipif(not SHARED.exists(), reason="the shared spec is not next to the repository")
def test_repository_copy_of_the_example_equals_the_shared_spec():
    assert json.loads(EXAMPLE.read_text(encoding="utf-8")) == json.loads(
        SHARED.read_text(encoding="utf-8")
    )


@pytest.mark.django_db(transaction=True)
def test_small_team_example_comes_out_exactly_as_expected(tmp_path, run):
    # given the example's plan, partners and orders as files
    example = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(example["plan"]), encoding="utf-8")
    partners = write_csv(tmp_path / "partners.csv", PARTNER_COLUMNS, example["partners"])
    orders = write_csv(tmp_path / "orders.csv", ORDER_COLUMNS, example["orders"])

    # when loaded through the commands
    run("load_plan", str(plan))
    run("import_partners", str(partners))
    run("import_orders", str(orders))
    out = run("export_qualification", "--period", example["period"])

    # then every partner's row is exactly the expected one
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["slug"] for r in rows] == sorted(example["expected"])
    for row in rows:
        expected = example["expected"][row["slug"]]
        assert row["external_id"] == row["slug"]
        assert {k: row[k] for k in expected} == expected, row["slug"]
        assert row["title_rank"] == ""
