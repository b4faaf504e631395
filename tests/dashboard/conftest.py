"""A constructed team with results written straight into PartnerPeriodStats,
so the dashboard tests do not depend on the volume engine's timing (each row
with its gap to the next rank under the current plan, as the engine writes it).

The team and the numbers are the worked example of qualification.md section 6
(anna > ben, clara; ben > dora, emil; clara > finn; four ranks)."""

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.test import Client

from partners.models import Partner
from qualification.models import PartnerPeriodStats, Rank
from qualification.ranks import next_rank_gap
from qualification.selectors import plan_rules
from qualification.services import period_current_open
from tests.factories import PartnerFactory

D = Decimal


def plan_create() -> dict[str, Rank]:
    """The four-rank plan of the worked example."""
    bronze = Rank.objects.create(level=1, name="Bronze", min_pv=D("100"), min_gv=D("0"))
    silver = Rank.objects.create(
        level=2, name="Silver", min_pv=D("100"), min_gv=D("1000"), max_leg_percent=D("60")
    )
    gold = Rank.objects.create(
        level=3,
        name="Gold",
        min_pv=D("150"),
        min_gv=D("4000"),
        max_leg_percent=D("50"),
        min_qualified_legs=2,
        leg_rank=silver,
    )
    platinum = Rank.objects.create(
        level=4,
        name="Platinum",
        min_pv=D("200"),
        min_gv=D("8000"),
        max_leg_percent=D("40"),
        min_qualified_legs=2,
        leg_rank=gold,
    )
    return {"Bronze": bronze, "Silver": silver, "Gold": gold, "Platinum": platinum}


@pytest.fixture
def plan(db):
    return plan_create()


@pytest.fixture
def period(db):
    return period_current_open()


def stats_set(
    partner, period, *, pv, gv, customer_pv=None, own_pv=None, level=0, name="", subtree=None
):
    pv, gv = D(pv), D(gv)
    customer_pv = pv if customer_pv is None and own_pv is None else D(customer_pv or 0)
    own_pv = D(own_pv) if own_pv is not None else pv - customer_pv
    PartnerPeriodStats.objects.update_or_create(
        partner=partner,
        period=period,
        defaults={
            "pv": pv,
            "gv": gv,
            "customer_pv": customer_pv,
            "own_pv": own_pv,
            "paid_as_level": level,
            "paid_as_name": name,
            "subtree_max_level": level if subtree is None else subtree,
            "next_gap": next_rank_gap(plan_rules(), pv, gv, level),
        },
    )


@dataclass
class Team:
    anna: Partner
    ben: Partner
    clara: Partner
    dora: Partner
    emil: Partner
    finn: Partner


def team_create(period) -> Team:
    """anna > ben, clara; ben > dora, emil; clara > finn with October's results."""
    anna = PartnerFactory(slug="anna", first_name="Anna", last_name="Albers")
    ben = PartnerFactory(slug="ben", first_name="Ben", last_name="Brandt", sponsor=anna)
    clara = PartnerFactory(slug="clara", first_name="Clara", last_name="Conrad", sponsor=anna)
    dora = PartnerFactory(slug="dora", first_name="Dora", last_name="Dietz", sponsor=ben)
    emil = PartnerFactory(slug="emil", first_name="Emil", last_name="Engel", sponsor=ben)
    finn = PartnerFactory(slug="finn", first_name="Finn", last_name="Fischer", sponsor=clara)
    stats_set(anna, period, pv="160", own_pv="160", gv="2230", level=2, name="Silver")
    stats_set(ben, period, pv="120", gv="1070", level=2, name="Silver")
    stats_set(clara, period, pv="100", own_pv="100", gv="1000", level=1, name="Bronze")
    stats_set(dora, period, pv="500", gv="500", level=1, name="Bronze")
    stats_set(emil, period, pv="450", gv="450", level=1, name="Bronze")
    stats_set(finn, period, pv="900", gv="900", level=1, name="Bronze")
    return Team(anna, ben, clara, dora, emil, finn)


@pytest.fixture
def team(db, plan, period):
    return team_create(period)


def client_for(partner: Partner, *, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(partner.user)
    return client


def team_build(*, root: Partner, size: int, period, branching: int = 4) -> list[Partner]:
    """`size` partners below `root`, level by level (bulk inserts, the genealogy's
    path and depth filled in), each with a results row for `period`."""
    from partners.genealogy import child_path
    from partners.models import User
    from partners.services import partner_team_sizes_refresh

    made: list[Partner] = []
    parents = [root]
    serial = Partner.objects.count()
    while len(made) < size:
        level: list[Partner] = []
        for parent in parents:
            for _ in range(branching):
                if len(made) + len(level) >= size:
                    break
                serial += 1
                level.append(
                    Partner(
                        first_name=f"Member{serial}",
                        last_name="Team",
                        slug=f"member-{serial}",
                        sponsor=parent,
                        path=child_path(parent.path, parent.pk),
                        depth=parent.depth + 1,
                    )
                )
        users = User.objects.bulk_create(
            [User(email=f"{p.slug}@example.com", password="!") for p in level]
        )
        for partner, user in zip(level, users, strict=True):
            partner.user = user
        level = Partner.objects.bulk_create(level)
        made.extend(level)
        parents = level
    rules = plan_rules()
    PartnerPeriodStats.objects.bulk_create(
        [
            PartnerPeriodStats(
                partner=p,
                period=period,
                pv=D(10 + (i * 37) % 90),
                customer_pv=D(10 + (i * 37) % 90),
                gv=D(100 + i),
                paid_as_level=1 if i % 3 == 0 else 0,
                paid_as_name="Bronze" if i % 3 == 0 else "",
                subtree_max_level=1 if i % 3 == 0 else 0,
                next_gap=next_rank_gap(
                    rules, D(10 + (i * 37) % 90), D(100 + i), 1 if i % 3 == 0 else 0
                ),
            )
            for i, p in enumerate(made)
        ]
    )
    partner_team_sizes_refresh()  # bulk inserts bypass partner_enroll, as an import does
    root.refresh_from_db(fields=["team_size"])
    return made
