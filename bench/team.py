#!/usr/bin/env python
"""Team page benchmark: does /dashboard/team/ open a team of 50,000 as fast as a team of 5?
(And the "What's missing?" page: its gap, its simulator with the commission
estimate it changes, and its team members close to a rank; the four-rank plan
of the worked example is loaded, with customer and team percents over five
generations, and about half the partners have CV in the period's ledger.)

    .venv/bin/python bench/team.py [--team 50000] [--rounds 40]

Without DATABASE_URL it runs on a throwaway SQLite file (/tmp/bench_team.sqlite3,
recreated each run). For PostgreSQL pass an EMPTY scratch database, never a real one:

    createdb -h 127.0.0.1 -U postgres bench_team
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_team .venv/bin/python bench/team.py

Two leaders in one database: one with a random bushy team of --team partners,
one with a team of 5; every partner has a results row in the current period.
The tree is bulk-loaded with path and depth as partner_enroll writes them, and
the team sizes are set by partner_team_sizes_refresh (as after an import).
Each round times, for both leaders in turn (which one goes first alternates),
the full team page, its htmx list fragment, the list's second page (the key
cursor of the first) and the overview, through Django's test client (the whole
request: session, middleware, templates). It prints p50 / p95 per page and the
ratio large / small.
"""

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SCRATCH_SQLITE = Path(tempfile.gettempdir()) / "bench_team.sqlite3"
NAMES = ["Anna", "Ben", "Clara", "Dora", "Emil", "Finn", "Greta", "Hans", "Ida", "Jonas",
         "Karla", "Lena", "Max", "Nora", "Otto", "Paula", "Quirin", "Rosa", "Sven", "Tilda"]  # fmt: skip


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--team", type=int, default=50_000, help="the large team (default 50,000)")
    parser.add_argument("--small", type=int, default=5, help="the small team (default 5)")
    parser.add_argument("--rounds", type=int, default=40, help="timed rounds (default 40)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed rounds first (default 3)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--explain",
        action="store_true",
        help="print the plans (EXPLAIN ANALYZE) of the close list's queries for both leaders",
    )
    return parser.parse_args()


def setup_django():
    sys.path.insert(0, str(BASE_DIR))
    if not os.environ.get("DATABASE_URL"):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SCRATCH_SQLITE}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{SCRATCH_SQLITE}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mlm.settings")
    os.environ.setdefault("DEBUG", "false")  # no query log
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from partners.models import Partner

    if Partner.objects.exists():
        sys.exit(
            "This database already holds partners. Point DATABASE_URL at an empty scratch "
            "database (e.g. createdb bench_team), never at real data."
        )


def build(*, large: int, small: int, rng: random.Random):
    """Two leaders and their teams, bulk-loaded; returns (large leader, small leader)."""
    from django.db import connection, transaction

    from partners.genealogy import child_path
    from partners.models import Partner, User
    from partners.services import partner_team_sizes_refresh
    from qualification.models import PartnerPeriodStats
    from qualification.ranks import next_rank_gap
    from qualification.selectors import plan_rules
    from qualification.services import period_current_open

    period = period_current_open()
    levels = [0, 0, 0, 1, 1, 2]  # most without a rank, some Bronze, a few Silver
    names = {0: "", 1: "Bronze", 2: "Silver"}
    rows = []  # (id, sponsor_id, path, depth)

    def add(parent):
        pid = len(rows) + 1
        if parent is None:
            rows.append((pid, None, "", 0))
        else:
            rows.append((pid, parent[0], child_path(parent[2], parent[0]), parent[3] + 1))
        return rows[-1]

    plan_create()
    rules = plan_rules()
    for size in (large, small):
        team = [add(None)]
        for _ in range(size):
            team.append(add(rng.choice(team)))

    started = time.perf_counter()
    with transaction.atomic():
        for offset in range(0, len(rows), 2_000):
            chunk = rows[offset : offset + 2_000]
            User.objects.bulk_create(
                [
                    User(id=pid, email=f"bench-{pid}@example.invalid", password="!")
                    for pid, *_ in chunk
                ]
            )
            Partner.objects.bulk_create(
                [
                    Partner(
                        id=pid,
                        user_id=pid,
                        first_name=rng.choice(NAMES),
                        last_name=f"Bench{pid}",
                        slug=f"bench-{pid}",
                        sponsor_id=sponsor,
                        path=path,
                        depth=depth,
                    )
                    for pid, sponsor, path, depth in chunk
                ]
            )
            PartnerPeriodStats.objects.bulk_create(
                [
                    PartnerPeriodStats(
                        partner_id=pid,
                        period=period,
                        pv=(pv := Decimal(rng.randrange(0, 300))),
                        customer_pv=Decimal(0),
                        own_pv=Decimal(0),
                        gv=(gv := Decimal(rng.randrange(0, 3_000))),
                        paid_as_level=(level := rng.choice(levels)),
                        paid_as_name=names[level],
                        subtree_max_level=level,
                        next_gap=next_rank_gap(rules, pv, gv, level),  # as the engine writes it
                    )
                    for pid, *_ in chunk
                ]
            )
        partner_team_sizes_refresh()
        ledger_fill(rows, period, rng)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in (
                "partners_partner",
                "partners_user",
                "qualification_partnerperiodstats",
                "qualification_volumeentry",
            ):
                cursor.execute(f"VACUUM ANALYZE {table}")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"loaded {len(rows):,} partners in {time.perf_counter() - started:.1f} s ({connection.vendor})"
    )
    from commissions.services import estimates_refresh

    started = time.perf_counter()
    estimates_refresh(period=period)  # the what-if reads its legs' team volume from it
    print(f"estimate refreshed in {time.perf_counter() - started:.1f} s")
    leaders = Partner.objects.filter(depth=0).order_by("pk")
    big, little = list(leaders)
    assert (big.team_size, little.team_size) == (large, small), (big.team_size, little.team_size)
    return big, little


def ledger_fill(rows, period, rng):
    """Every other partner has a customer order's CV in the period (one
    ledger entry each, all on a few bulk order events: the what-if reads CV
    per partner, not orders)."""
    from django.utils import timezone

    from orders.models import Customer, Order, OrderEvent
    from qualification.models import VolumeEntry

    now = timezone.now()
    customer = Customer.objects.create(email="bench@example.invalid")
    order = Order.objects.create(
        number="BENCH-1", customer=customer, email=customer.email, placed_at=now
    )
    event, line_no, entries = None, 0, []
    for pid, *_ in rows:
        if rng.random() < 0.5:
            continue
        if event is None or line_no >= 30_000:
            event = OrderEvent.objects.create(
                order=order, kind=OrderEvent.Kind.PAID, key=f"bench-{pid}", occurred_at=now
            )
            line_no = 0
        line_no += 1
        qv = Decimal(rng.randrange(10, 300))
        entries.append(
            VolumeEntry(
                order_event=event,
                line_no=line_no,
                order=order,
                period=period,
                partner_id=pid,
                kind=VolumeEntry.Kind.CUSTOMER,
                qv=qv,
                cv=(qv * Decimal("0.8")).quantize(Decimal("0.01")),
            )  # fmt: skip
        )
    VolumeEntry.objects.bulk_create(entries, batch_size=2_000)


def plan_create():
    """The four ranks of the worked example (qualification.md section 6)."""
    from qualification.models import CommissionSettings, Rank

    def rank(level, name, pv, gv, percent=None, legs=0, leg_rank=None, team=()):
        return Rank.objects.create(
            level=level, name=name, min_pv=Decimal(pv), min_gv=Decimal(gv),
            max_leg_percent=None if percent is None else Decimal(percent),
            min_qualified_legs=legs, leg_rank=leg_rank,
            customer_percent=Decimal(10 + 5 * level), team_percents=list(team),
            advancement_bonus=Decimal(100 * level),
        )  # fmt: skip

    rank(1, "Bronze", 100, 0, team=["5"])
    silver = rank(2, "Silver", 100, 1000, 60, team=["6", "4"])
    gold = rank(3, "Gold", 150, 4000, 50, 2, silver, team=["7", "5", "3"])
    rank(4, "Platinum", 200, 8000, 40, 2, gold, team=["8", "6", "4", "2", "1"])
    CommissionSettings.objects.create(
        base_customer_percent=Decimal(10), active_min_pv=Decimal(50), min_payout=Decimal(25)
    )


def pages(client):
    """The timed requests of one leader: name -> (path, extra headers)."""
    import re
    from html import unescape

    first = client.get("/dashboard/team/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="team-list")
    found = re.search(r'href="([^"]+)"[^>]*rel="next"', first.content.decode())
    second = "/dashboard/team/" + unescape(found.group(1)) if found else "/dashboard/team/"
    htmx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "team-list"}
    leg = re.search(
        r'<option value="(\d+)">', client.get("/dashboard/whats-missing/").content.decode()
    )
    return {
        "what's missing": ("/dashboard/whats-missing/", {}),
        "simulate in a leg": (f"/dashboard/whats-missing/?amount=200&target={leg.group(1)}", {}),
        "simulate own PV": ("/dashboard/whats-missing/?amount=200&target=own", {}),
        "close (htmx)": ("/dashboard/whats-missing/close/", {"HTTP_HX_REQUEST": "true"}),
        "close, page 3": ("/dashboard/whats-missing/close/?page=3", {"HTTP_HX_REQUEST": "true"}),
        "team page": ("/dashboard/team/", {}),
        "team list (htmx)": ("/dashboard/team/", htmx),
        "list, next page": (second, htmx),
        "overview": ("/dashboard/", {}),
    }


def explain_close_list(leaders):
    """EXPLAIN ANALYZE of each query the close list's first page runs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dashboard.selectors_whatif import team_near_ranks
    from qualification.selectors import plan_rules
    from qualification.services import period_current_open

    period, plan = period_current_open(), plan_rules()
    for label, leader in leaders:
        with CaptureQueriesContext(connection) as queries:
            team_near_ranks(partner=leader, period=period, plan_desc=plan)
        for query in queries.captured_queries:
            print(f"--- close list, {label} team ({leader.team_size:,}):")
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                print("\n".join(row[0] for row in cursor.fetchall()))


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main():
    args = parse_args()
    setup_django()
    from django.test import Client

    big, little = build(large=args.team, small=args.small, rng=random.Random(args.seed))
    if args.explain:
        explain_close_list([("large", big), ("small", little)])
    clients = {}
    for label, leader in (("large", big), ("small", little)):
        client = Client()
        client.force_login(leader.user)
        clients[label] = (client, pages(client))
    sample = clients["large"][0].get(clients["large"][1]["simulate in a leg"][0]).content.decode()
    found = re.search(r'data-testid="sim-commission">(.*?)</p>', sample, re.S)
    print("large team, simulated:", " ".join(found.group(1).split()) if found else "(no estimate)")
    times = {(label, name): [] for label in clients for name in clients[label][1]}
    for round_no in range(args.warmup + args.rounds):
        order = ["large", "small"] if round_no % 2 else ["small", "large"]
        for name in clients["large"][1]:
            for label in order:
                client, urls = clients[label]
                path, headers = urls[name]
                started = time.perf_counter()
                response = client.get(path, **headers)
                elapsed = (time.perf_counter() - started) * 1000
                assert response.status_code == 200, (label, name, response.status_code)
                if round_no >= args.warmup:
                    times[(label, name)].append(elapsed)

    print(f"{args.rounds} rounds; team of {args.team:,} vs team of {args.small}; ms")
    print(
        f"{'page':<18} {'large p50':>10} {'p95':>8} {'small p50':>10} {'p95':>8} {'ratio p50':>10} {'p95':>6}"
    )
    for name in clients["large"][1]:
        large, small = times[("large", name)], times[("small", name)]
        lp50, lp95 = statistics.median(large), percentile(large, 0.95)
        sp50, sp95 = statistics.median(small), percentile(small, 0.95)
        print(
            f"{name:<18} {lp50:>10.1f} {lp95:>8.1f} {sp50:>10.1f} {sp95:>8.1f} "
            f"{lp50 / sp50:>10.2f} {lp95 / sp95:>6.2f}"
        )


if __name__ == "__main__":
    main()
