"""The what-if simulator's commission estimate ("if 200 PV more came in Ben's
team"): the same engine on the partner's hypothetical input. Each case adds
the volume for real afterwards (an order of that QV and CV where the
simulator put it), recomputes the period and refreshes the estimate: the
simulated figure must be exactly what the engine then pays."""

from decimal import Decimal

import pytest

from commissions.models import Estimate, EstimateRun
from commissions.services import estimates_refresh
from dashboard.selectors_whatif import partner_whatif, whatif_simulate
from qualification.models import CommissionSettings, Period
from qualification.services import period_recompute
from qualification.whatif import NEW, OWN
from tests.commissions.conftest import D, berlin
from tests.factories import PartnerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def team(plan, sell):
    """anna > ben > cleo > dan, anna > eva. Anna is Silver (PV 100, GV 430),
    Cleo Bronze (PV 120, GV 200). Ben is below the active minimum (PV 30 < 50):
    compressed, so Cleo is Anna's generation 1 as well as Ben. CV differs from
    QV (the group's CV per PV is not 1)."""
    anna = PartnerFactory(slug="anna", first_name="Anna")
    ben = PartnerFactory(slug="ben", first_name="Ben", sponsor=anna)
    cleo = PartnerFactory(slug="cleo", first_name="Cleo", sponsor=ben)
    dan = PartnerFactory(slug="dan", first_name="Dan", sponsor=cleo)
    eva = PartnerFactory(slug="eva", first_name="Eva", sponsor=anna)
    at = berlin(2026, 9, 5)
    sell(anna, 100, "85.00", at)
    sell(ben, 30, "25.00", at)
    sell(cleo, 120, "100.00", at)
    sell(dan, 80, "70.50", at)
    sell(eva, 100, "90.00", at)
    return {"anna": anna, "ben": ben, "cleo": cleo, "dan": dan, "eva": eva}


def september() -> Period:
    return Period.objects.get(start="2026-09-01")


def estimate_total(partner) -> Decimal:
    row = Estimate.objects.filter(period=september(), partner=partner).first()
    return row.total if row is not None else D("0.00")


def simulate(partner, target, amount):
    data = partner_whatif(partner=partner, period=september())
    return whatif_simulate(data, target=target, amount=D(amount))


def recompute_and_estimate(partner) -> Decimal:
    period_recompute(period=september())
    estimates_refresh(period=september())
    return estimate_total(partner)


CASES = {
    # Ben becomes active-qualified: his own CV stays generation 1 for Anna,
    # Cleo's moves to generation 2 (Anna's Silver pays 4 % there).
    "leg head becomes qualified": ("anna", "ben", 200),
    # Eva's leg, Eva active already: generation 1.
    "leg, head qualified": ("anna", "eva", 150),
    "own volume": ("anna", OWN, 100),
    "a new line": ("anna", NEW, 250),
    "a little": ("anna", "eva", "0.37"),
    # Cleo's own customers: GV 200 -> 300 makes her Silver (bonus, 20 %, [6, 4]).
    "own volume lifts the rank": ("cleo", OWN, 100),
    # Dan's leg lifts Cleo to Silver too.
    "a leg lifts the rank": ("cleo", "dan", 100),
}


def target_of(team, where):
    return where if where in (OWN, NEW) else team[where].pk


@pytest.mark.parametrize("case", CASES)
def test_the_simulated_commission_is_what_the_engine_pays_with_the_volume_added(team, sell, case):
    who, where, amount = CASES[case]
    partner = team[who]
    before_now = recompute_and_estimate(partner)

    commission = simulate(partner, target_of(team, where), amount).commission

    assert commission.before == before_now
    assert commission.change  # every case moves money
    # now add the volume for real, where the simulator put it
    if where == OWN:
        buyer = partner
    elif where == NEW:
        buyer = PartnerFactory(slug="newbie", sponsor=partner)
    else:
        buyer = team[where]
    sell(buyer, D(amount), commission.extra_cv, berlin(2026, 9, 6))
    assert commission.after == recompute_and_estimate(partner)
    assert commission.change == commission.after - commission.before


def test_the_cv_assumed_is_the_groups_cv_per_pv(team):
    # Anna and her first line (Ben, Eva): CV 200.00 on QV 230 -> 0.8696; 200 PV bring 173.92
    commission = simulate(team["anna"], team["eva"].pk, 200).commission
    assert commission.cv_per_pv == D("0.8696")
    assert commission.extra_cv == D("173.92")


def test_with_the_cap_binding_the_simulation_starts_from_the_stored_estimate(team):
    anna = team["anna"]
    CommissionSettings.objects.update(cap_percent=D("45"))
    period_recompute(period=september())
    estimates_refresh(period=september())
    assert 0 < EstimateRun.objects.get(period=september()).cap_factor < 1

    commission = simulate(anna, team["eva"].pk, 100).commission

    assert commission.before == estimate_total(anna)
    assert commission.cap_factor == EstimateRun.objects.get(period=september()).cap_factor
    assert commission.after > commission.before


def test_the_simulator_page_shows_the_commission_change(team, client):
    anna = team["anna"]
    recompute_and_estimate(anna)
    client.force_login(anna.user)
    from unittest import mock

    with mock.patch("dashboard.views_whatif.period_current_open", return_value=september()):
        response = client.get(
            "/dashboard/whats-missing/",
            {"amount": "200", "target": str(team["ben"].pk)},
            HTTP_ACCEPT_LANGUAGE="de",
        )
    page = " ".join(response.content.decode().split())
    commission = simulate(anna, team["ben"].pk, 200).commission
    assert response.status_code == 200
    assert "Provision (Schätzung):" in page
    change = f"{commission.change:.2f}".replace(".", ",")
    assert f"(+{change}\xa0€)" in page or f"(+{change} €)" in page
    assert "CV je PV" in page


def test_the_estimate_keeps_each_teams_cv_by_generation_until_the_close(team):
    from commissions.models import EstimateTeamVolume
    from qualification.services import period_close

    recompute_and_estimate(team["anna"])
    # Ben (not qualified) sees Cleo 100.00 and Dan 70.50 in generations 1 and 2;
    # Anna sees Ben, Cleo and Eva in generation 1 (Ben compressed), Dan in 2.
    rows = dict(
        EstimateTeamVolume.objects.filter(period=september()).values_list(
            "partner__slug", "generations"
        )
    )
    assert rows["ben"] == "10000,7050"
    assert rows["anna"] == "21500,7050"
    assert "dan" not in rows  # no team

    period_close(period=september())
    assert not EstimateTeamVolume.objects.exists()
