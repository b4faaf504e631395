"""The commission part of the plan (commissions.md section 2): load_plan and
dump_plan, the admin, one validator with the same messages."""

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from qualification.models import CommissionSettings, Rank
from qualification.selectors import plan_dump
from qualification.services import plan_load, rank_validate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

EXAMPLE = json.loads(
    (Path(__file__).resolve().parent / "commission-team.json").read_text(encoding="utf-8")
)
PLAN = EXAMPLE["plan"]


def refused(data) -> str:
    with pytest.raises(ValidationError) as info:
        plan_load(data=data)
    return "\n".join(info.value.messages)


def test_the_example_plan_round_trips_exactly(committed):
    with committed():
        plan_load(data=PLAN)

    assert plan_dump() == PLAN
    gold = Rank.objects.get(name="Gold")
    assert (gold.customer_percent, gold.team_percents, gold.advancement_bonus) == (
        Decimal("25"),
        ["7", "5", "3"],
        Decimal("500"),
    )
    settings = CommissionSettings.objects.get()
    assert (
        settings.base_customer_percent,
        settings.active_min_pv,
        settings.cap_percent,
        settings.min_payout,
    ) == (
        Decimal("10"),
        Decimal("50"),
        Decimal("30"),
        Decimal("25"),
    )


def test_a_plan_without_commission_keys_pays_nothing(committed):
    plan = copy.deepcopy(PLAN)
    del plan["commissions"]
    for rank in plan["ranks"]:
        for key in ("customer_percent", "team_percents", "advancement_bonus"):
            del rank[key]
    with committed():
        plan_load(data=plan)

    dumped = plan_dump()
    assert dumped["commissions"] == {
        "base_customer_percent": "0",
        "active_min_pv": "0",
        "cap_percent": None,
        "min_payout": "0",
    }
    assert {
        (r["customer_percent"], tuple(r["team_percents"]), r["advancement_bonus"])
        for r in dumped["ranks"]
    } == {("0", (), "0")}


def test_bad_commission_values_are_all_listed_and_nothing_changes(committed):
    with committed():
        plan_load(data=PLAN)
    bad = copy.deepcopy(PLAN)
    bad["ranks"][0]["customer_percent"] = "120"
    bad["ranks"][1]["team_percents"] = ["6", "-1"]
    bad["ranks"][2]["advancement_bonus"] = 500.5
    bad["ranks"][3]["team_percents"] = "8, 6"
    bad["commissions"]["cap_percent"] = "30.125"
    bad["commissions"]["min_payout"] = "-5"

    text = refused(bad)

    for expected in [
        "Rank 1 (“Bronze”): “customer_percent” must be a percent between 0 and 100.",
        "Rank 2 (“Silver”): “team_percents” item 2 must be a percent between 0 and 100.",
        "Rank 3 (“Gold”): “advancement_bonus” write it as a string with an exact decimal",
        "Rank 4 (“Platinum”): “team_percents” must be a list of percents",
        "“commissions”: “cap_percent” at most two decimal places.",
        "“commissions”: “min_payout” cannot be negative.",
    ]:
        assert expected in text
    assert plan_dump() == PLAN


@pytest.mark.parametrize("where", ["commissions", "rank"])
def test_the_plan_has_no_way_to_pay_for_an_enrolment(where):
    bad = copy.deepcopy(PLAN)
    if where == "commissions":
        bad["commissions"]["enrolment_bonus"] = "50"
        expected = "“commissions”: unknown keys enrolment_bonus"
    else:
        bad["ranks"][0]["sponsor_bonus"] = "50"
        expected = "Rank 1 (“Bronze”): unknown keys sponsor_bonus."

    text = refused(bad)

    assert expected in text
    if where == "commissions":
        assert "never pays for enrolling" in text


def test_the_admin_gives_the_plan_files_messages():
    rank = Rank(
        level=1,
        name="Bronze",
        min_pv=Decimal(100),
        customer_percent=Decimal(120),
        team_percents=["5", "101"],
        advancement_bonus=Decimal(0),
    )
    with pytest.raises(ValidationError) as info:
        rank_validate(rank=rank)

    assert info.value.message_dict["customer_percent"] == ["Must be a percent between 0 and 100."]
    assert info.value.message_dict["team_percents"] == [
        "Item 2 must be a percent between 0 and 100."
    ]


def test_rank_admin_form_edits_the_commission_fields(admin_client, committed):
    with committed():
        plan_load(data=PLAN)
    bronze = Rank.objects.get(name="Bronze")
    url = reverse("admin:qualification_rank_change", args=[bronze.pk])
    form = {
        "level": 1,
        "name": "Bronze",
        "min_pv": "100",
        "min_gv": "0",
        "max_leg_percent": "",
        "min_qualified_legs": "0",
        "leg_rank": "",
        "customer_percent": "16",
        "team_percents": "5; 2,5",
        "advancement_bonus": "10",
    }

    with committed():
        response = admin_client.post(url, form)

    assert response.status_code == 302
    bronze.refresh_from_db()
    assert (bronze.customer_percent, bronze.team_percents, bronze.advancement_bonus) == (
        Decimal(16),
        ["5", "2.5"],
        Decimal(10),
    )
    response = admin_client.post(url, dict(form, team_percents="5; 200"))
    assert response.status_code == 200
    assert "Item 2 must be a percent between 0 and 100." in response.content.decode()


def test_commission_settings_admin_refuses_a_percent_above_100(admin_client):
    response = admin_client.post(
        reverse("admin:qualification_commissionsettings_add"),
        {
            "base_customer_percent": "150",
            "active_min_pv": "0",
            "cap_percent": "",
            "min_payout": "0",
        },
    )
    assert response.status_code == 200
    assert not CommissionSettings.objects.exists()
