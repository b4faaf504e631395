"""Ranks (spec 5) and the plan file (data-exchange.md): validation, load, dump,
and the recompute of open periods after a plan change."""

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from qualification.models import Rank
from qualification.selectors import partner_stats, plan_dump
from qualification.services import period_for, plan_load, rank_delete, rank_save, rank_validate
from tests.factories import PartnerFactory

from .conftest import EXAMPLE_PLAN, berlin

pytestmark = pytest.mark.django_db

OCT = berlin(2026, 10, 10, 12)
COMMISSION_KEYS = ("customer_percent", "team_percents", "advancement_bonus")
NO_COMMISSIONS = {
    "base_customer_percent": "0",
    "active_min_pv": "0",
    "cap_percent": None,
    "min_payout": "0",
}


def qualification_part(dump: dict) -> dict:
    """A dumped plan without its commission keys (commissions.md), as a plan
    file written before them; those keys' defaults are checked separately."""
    for rank in dump["ranks"]:
        assert {k: rank.pop(k) for k in COMMISSION_KEYS} == {
            "customer_percent": "0",
            "team_percents": [],
            "advancement_bonus": "0",
        }
    assert dump.pop("commissions") == NO_COMMISSIONS
    return dump


def test_plan_file_round_trips_exactly(committed):
    with committed():
        counts = plan_load(data=EXAMPLE_PLAN)
    assert counts == {"added": 4, "updated": 0, "removed": 0}
    assert qualification_part(plan_dump()) == EXAMPLE_PLAN


def test_the_example_file_loads_through_the_commands_and_dumps_identically(tmp_path, capsys):
    # The project's own copy of the spec example (a clone runs without ../shared).
    with open(
        Path(__file__).parents[1] / "dataexchange" / "small-team.json", encoding="utf-8"
    ) as fh:
        plan = json.load(fh)["plan"]
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")

    call_command("load_plan", str(path))
    capsys.readouterr()
    call_command("dump_plan")

    assert qualification_part(json.loads(capsys.readouterr().out)) == plan


def test_loading_matches_ranks_by_level_updating_adding_and_removing(committed):
    with committed():
        plan_load(data=EXAMPLE_PLAN)
    silver_pk = Rank.objects.get(level=2).pk
    new = copy.deepcopy(EXAMPLE_PLAN)
    new["ranks"] = [r for r in new["ranks"] if r["level"] != 4]  # Platinum goes
    new["ranks"][1]["name"] = "Argent"  # Silver renamed
    new["ranks"][2]["leg_rank"] = "Argent"
    new["ranks"].append(
        {
            "level": 7,
            "name": "Silver",
            "min_pv": "1",
            "min_gv": "0",
            "max_leg_percent": None,
            "min_qualified_legs": 0,
            "leg_rank": None,
        }
    )  # the old name, another level

    with committed():
        counts = plan_load(data=new)

    assert counts == {"added": 1, "updated": 3, "removed": 1}
    assert Rank.objects.get(level=2).pk == silver_pk
    assert qualification_part(plan_dump()) == {
        "ranks": sorted(new["ranks"], key=lambda r: r["level"])
    }


def test_a_bad_plan_file_lists_every_problem_and_changes_nothing(committed):
    with committed():
        plan_load(data=EXAMPLE_PLAN)
    bad = copy.deepcopy(EXAMPLE_PLAN)
    bad["ranks"][0]["colour"] = "bronze"
    bad["ranks"][1]["min_gv"] = 1000.5
    bad["ranks"][2]["leg_rank"] = None
    bad["ranks"][3]["max_leg_percent"] = "140"
    bad["ranks"].append(dict(bad["ranks"][0], level=1, name="Copper"))
    bad["extra"] = True

    with pytest.raises(ValidationError) as excinfo:
        plan_load(data=bad)

    text = "\n".join(excinfo.value.messages)
    for expected in [
        "unknown keys colour",
        "“min_gv” write it as a string",
        "Rank Gold needs a leg rank because it asks for 2 qualified legs",
        "“max_leg_percent” must be between 0 and 100",
        "Level 1 is used by more than one rank",
        "Unknown keys at the top: extra",
    ]:
        assert expected in text
    assert qualification_part(plan_dump()) == EXAMPLE_PLAN


@pytest.mark.parametrize(
    "change, message",
    [
        ({"leg_rank": "Gold"}, "cannot ask for legs with its own rank"),
        ({"leg_rank": "Diamond"}, "“Diamond”, which is not a rank of this file"),
        ({"min_pv": "-1"}, "cannot be negative"),
        ({"min_pv": "1.005"}, "at most two decimal places"),
        ({"level": 0}, "whole number of 1 or more"),
        ({"min_qualified_legs": -2}, "whole number of 0 or more"),
        ({"name": ""}, "non-empty text"),
    ],
)
def test_plan_file_values_are_checked(change, message):
    bad = copy.deepcopy(EXAMPLE_PLAN)
    bad["ranks"][2].update(change)
    with pytest.raises(ValidationError) as excinfo:
        plan_load(data=bad)
    assert message in " ".join(excinfo.value.messages)
    assert not Rank.objects.exists()


def test_load_plan_command_reports_errors_and_bad_json(tmp_path):
    path = tmp_path / "plan.json"
    path.write_text('{"ranks": [', encoding="utf-8")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("load_plan", str(path))
    path.write_text(json.dumps({"ranks": [{"level": 1}]}), encoding="utf-8")
    with pytest.raises(CommandError, match="nothing changed") as excinfo:
        call_command("load_plan", str(path))
    assert "missing keys name" in str(excinfo.value)


def test_loading_a_plan_recomputes_the_open_periods(committed, paid_order):
    anna = PartnerFactory()
    paid_order(anna, 120, at=OCT)
    october = period_for(at=OCT)
    assert partner_stats(partner=anna, period=october).paid_as_name == ""

    with committed():
        plan_load(data=EXAMPLE_PLAN)

    assert partner_stats(partner=anna, period=october).paid_as_name == "Bronze"


def _rank(**kwargs) -> Rank:
    values = {
        "level": 5,
        "name": "Gold",
        "min_pv": Decimal(150),
        "min_gv": Decimal(4000),
        "max_leg_percent": Decimal(50),
        "min_qualified_legs": 0,
        "leg_rank": None,
    }
    values.update(kwargs)
    return Rank(**values)


@pytest.mark.parametrize(
    "kwargs, field, message",
    [
        (
            {"min_qualified_legs": 2},
            "leg_rank",
            "Rank Gold needs a leg rank because it asks for 2 qualified legs.",
        ),
        ({"max_leg_percent": Decimal(101)}, "max_leg_percent", "between 0 and 100"),
        ({"min_gv": Decimal(-5)}, "min_gv", "cannot be negative"),
        ({"level": 0}, "level", "1 or more"),
        ({"min_pv": Decimal(0), "min_gv": Decimal(0)}, "min_pv", "asks for nothing"),
    ],
)
def test_rank_validation_gives_clear_errors(kwargs, field, message):
    with pytest.raises(ValidationError) as excinfo:
        rank_validate(rank=_rank(**kwargs))
    assert message in " ".join(excinfo.value.message_dict[field])


def test_rank_level_and_name_are_unique_and_a_rank_is_not_its_own_leg_rank(example_plan):
    with pytest.raises(ValidationError, match="already taken by rank “Silver”"):
        rank_validate(rank=_rank(level=2, name="Other"))
    with pytest.raises(ValidationError, match="already called “Silver”"):
        rank_validate(rank=_rank(level=9, name="silver"))
    gold = Rank.objects.get(name="Gold")
    gold.leg_rank = gold
    with pytest.raises(ValidationError, match="cannot ask for legs with its own rank"):
        rank_validate(rank=gold)


def test_saving_or_deleting_a_rank_recomputes_the_open_periods(example_plan, committed, paid_order):
    anna = PartnerFactory()
    paid_order(anna, 120, at=OCT)
    october = period_for(at=OCT)
    bronze = Rank.objects.get(name="Bronze")
    bronze.min_pv = Decimal(130)
    with committed():
        rank_save(rank=bronze)
    assert partner_stats(partner=anna, period=october).paid_as_name == ""

    bronze.min_pv = Decimal(100)
    with committed():
        rank_save(rank=bronze)
    assert partner_stats(partner=anna, period=october).paid_as_name == "Bronze"

    with pytest.raises(ValidationError, match="Gold asks for legs with it"):
        rank_delete(rank=Rank.objects.get(name="Silver"))
    with committed():
        rank_delete(rank=bronze)
    assert partner_stats(partner=anna, period=october).paid_as_name == ""
