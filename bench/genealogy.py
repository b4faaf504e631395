#!/usr/bin/env python
"""Genealogy benchmark: enroll many partners, read uplines and teams, move a team.

    .venv/bin/python bench/genealogy.py [--partners 100000]

Without DATABASE_URL it runs on a throwaway SQLite file (/tmp/bench_genealogy.sqlite3,
recreated each run). For PostgreSQL pass a SCRATCH database, never a real one:

    createdb -h 127.0.0.1 -U postgres bench_genealogy
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_genealogy .venv/bin/python bench/genealogy.py

The structure mixes a deep line (1,200 levels), one team of exactly 10,000 partners
(a bushy random tree) and the rest as a random tree with a few branches hanging off
deep in the line. The bulk load computes path and depth exactly like
partners.services.partner_enroll (genealogy.child_path); a sample of real
partner_enroll calls shows the one-by-one sign-up rate next to it.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SCRATCH_SQLITE = Path(tempfile.gettempdir()) / "bench_genealogy.sqlite3"

CHAIN_DEPTH = 1_200
TEAM_SIZE = 10_000
UPLINE_DEPTH = 1_000
CHAIN_BRANCH_SHARE = 0.02  # share of the mixed part that hangs off the deep line


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--partners", type=int, default=100_000, help="partners to enroll (default 100,000)"
    )
    parser.add_argument(
        "--enroll-sample",
        type=int,
        default=1_000,
        help="real partner_enroll calls to time (default 1,000)",
    )
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    minimum = CHAIN_DEPTH + TEAM_SIZE + 100
    if args.partners < minimum:
        parser.error(
            f"--partners must be at least {minimum:,} (a {CHAIN_DEPTH:,}-deep line and a {TEAM_SIZE:,} team)"
        )
    return args


def setup_django():
    sys.path.insert(0, str(BASE_DIR))
    scratch = not os.environ.get("DATABASE_URL")
    if scratch:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SCRATCH_SQLITE}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{SCRATCH_SQLITE}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mlm.settings")
    os.environ.setdefault("DEBUG", "false")  # no query log growing over 100,000 inserts
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from partners.models import Partner

    if Partner.objects.exists():
        sys.exit(
            "This database already holds partners. Point DATABASE_URL at an empty scratch "
            "database (e.g. createdb bench_genealogy), never at real data."
        )


class Plan:
    """The tree to load, with ids given out in insertion order (parents first)."""

    def __init__(self, total: int, first_id: int, rng: random.Random):
        from partners.genealogy import child_path

        self.child_path = child_path
        self.rows = []  # (id, sponsor_id, path, depth)
        self.next_id = first_id
        self.root = self.add(None)
        self.chain = [self.root]
        for _ in range(CHAIN_DEPTH):
            self.chain.append(self.add(self.chain[-1]))
        self.team_head = self.add(self.root)
        team = [self.team_head]
        for _ in range(TEAM_SIZE):
            team.append(self.add(rng.choice(team)))
        mixed = [self.root]
        while len(self.rows) < total:
            if rng.random() < CHAIN_BRANCH_SHARE:
                parent = rng.choice(self.chain[1:])
            else:
                parent = rng.choice(mixed)
            mixed.append(self.add(parent))
        self.mixed = mixed

    def add(self, parent):
        pid = self.next_id
        self.next_id += 1
        if parent is None:
            row = (pid, None, "", 0)
        else:
            row = (pid, parent[0], self.child_path(parent[2], parent[0]), parent[3] + 1)
        self.rows.append(row)
        return row


def bulk_load(plan: Plan) -> float:
    from django.db import connection, transaction
    from django.utils import timezone

    from partners.models import Partner, User

    now = timezone.now()
    batch = 2_000
    started = time.perf_counter()
    with transaction.atomic():
        for offset in range(0, len(plan.rows), batch):
            chunk = plan.rows[offset : offset + batch]
            User.objects.bulk_create(
                [
                    User(
                        id=pid,
                        email=f"bench-{pid}@example.invalid",
                        password="!",
                        first_name="Bench",
                        last_name=str(pid),
                        date_joined=now,
                    )
                    for pid, _, _, _ in chunk
                ]
            )
            Partner.objects.bulk_create(
                [
                    Partner(
                        id=pid,
                        user_id=pid,
                        first_name="Bench",
                        last_name=str(pid),
                        slug=f"bench-{pid}",
                        sponsor_id=sponsor_id,
                        path=path,
                        depth=depth,
                        joined_at=now,
                        terms_accepted_at=now,
                        terms_version="bench",
                    )
                    for pid, sponsor_id, path, depth in chunk
                ]
            )
    elapsed = time.perf_counter() - started
    # Explicit ids leave PostgreSQL's sequences behind; move them on.
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [User, Partner]):
            cursor.execute(sql)
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE partners_partner")
            cursor.execute("ANALYZE partners_user")
        else:
            cursor.execute("ANALYZE")
    return elapsed


def timed(fn, repeats: int):
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def count_queries(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured)


def plan_summary(queryset) -> str:
    """The first line of the database's plan, to show the index is used."""
    text = queryset.explain()
    for line in text.splitlines():
        if "INDEX" in line.upper() or "SCAN" in line.upper() or "SEARCH" in line.upper():
            return " ".join(line.replace("->", "").split())[:70]
    return " ".join(text.split())[:70]


def main():
    args = parse_args()
    setup_django()

    from django.db import connection
    from django.db.models import Max

    from partners import signals
    from partners.models import Partner
    from partners.selectors import partner_descendants, partner_upline
    from partners.services import partner_enroll, partner_move

    rng = random.Random(args.seed)
    vendor = connection.vendor
    db_name = connection.settings_dict["NAME"]
    print(f"Genealogy benchmark on {vendor} ({db_name}), {args.partners:,} partners")
    print("building the plan ...", flush=True)
    first_id = (Partner.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    plan = Plan(args.partners, first_id, rng)
    longest = max(len(row[2]) for row in plan.rows)
    deepest = max(row[3] for row in plan.rows)

    rows = []

    def report(what, amount, seconds, rate="", note=""):
        rows.append((what, amount, seconds, rate, note))
        print(f"  {what}: {seconds:.3f} s {rate} {note}", flush=True)

    # 1. Bulk enrollment
    print("bulk enroll ...", flush=True)
    seconds = bulk_load(plan)
    n = len(plan.rows)
    report(
        "bulk enroll (user + partner, path/depth)",
        f"{n:,}",
        seconds,
        f"{n / seconds:,.0f} partners/s",
    )

    # 2. Real partner_enroll calls, one transaction each, as sign-ups do
    print("partner_enroll one by one ...", flush=True)
    sponsors = [row[0] for row in rng.sample(plan.mixed, min(200, len(plan.mixed)))]
    sponsor_objs = {p.pk: p for p in Partner.objects.filter(pk__in=sponsors)}
    started = time.perf_counter()
    for i in range(args.enroll_sample):
        partner_enroll(
            email=f"sample-{i}@example.invalid",
            first_name="Sample",
            last_name=str(i),
            slug=f"sample-{i}",
            sponsor=sponsor_objs[rng.choice(sponsors)],
            terms_accepted=True,
        )
    seconds = time.perf_counter() - started
    report(
        "partner_enroll() one by one (no password hash)",
        f"{args.enroll_sample:,}",
        seconds,
        f"{args.enroll_sample / seconds:,.0f} partners/s",
    )

    # 3. Upline at depth 1,000
    deep = Partner.objects.get(pk=plan.chain[UPLINE_DEPTH][0])
    assert deep.depth == UPLINE_DEPTH
    seconds, upline = timed(lambda: partner_upline(partner=deep), 25)
    assert len(upline) == UPLINE_DEPTH and upline[0].pk == plan.root[0]
    queries = count_queries(lambda: partner_upline(partner=deep))
    report(
        f"upline read at depth {UPLINE_DEPTH:,} (median of 25)",
        f"{len(upline):,}",
        seconds,
        f"{queries} query",
    )

    # 4. Subtree read of the 10,000 team
    head = Partner.objects.get(pk=plan.team_head[0])
    seconds, team = timed(lambda: list(partner_descendants(partner=head)), 5)
    assert len(team) == TEAM_SIZE, len(team)
    queries = count_queries(lambda: list(partner_descendants(partner=head)))
    report(
        f"subtree read, team of {TEAM_SIZE:,} (full rows, median of 5)",
        f"{len(team):,}",
        seconds,
        f"{queries} query",
        plan_summary(partner_descendants(partner=head)),
    )
    seconds, ids = timed(
        lambda: list(partner_descendants(partner=head).values_list("pk", flat=True)), 5
    )
    report(f"subtree read, team of {TEAM_SIZE:,} (ids only, median of 5)", f"{len(ids):,}", seconds)
    deep_team_head = Partner.objects.get(pk=plan.chain[UPLINE_DEPTH][0])
    seconds, deep_team = timed(lambda: list(partner_descendants(partner=deep_team_head)), 5)
    report(
        f"subtree read below depth {UPLINE_DEPTH:,} (paths > 2,000 chars)",
        f"{len(deep_team):,}",
        seconds,
        "",
        plan_summary(partner_descendants(partner=deep_team_head)),
    )

    # 5. Moves through partner_move (the hooks to other apps are switched off:
    #    this measures the genealogy, the volume recompute has its own benchmark)
    saved_receivers = signals.partner_moved.receivers
    signals.partner_moved.receivers = []
    signals.partner_moved.sender_receivers_cache.clear()
    try:
        shallow = Partner.objects.get(pk=plan.mixed[1][0])

        def move(partner_pk, sponsor_pk, label):
            partner = Partner.objects.get(pk=partner_pk)
            sponsor = Partner.objects.get(pk=sponsor_pk)
            started = time.perf_counter()
            change = partner_move(partner=partner, new_sponsor=sponsor, reason="benchmark")
            seconds = time.perf_counter() - started
            check_team(partner_pk)
            report(
                label, f"{change.team_size:,}", seconds, f"{change.team_size / seconds:,.0f} rows/s"
            )

        def check_team(partner_pk):
            partner = Partner.objects.get(pk=partner_pk)
            prefix = partner.descendants_prefix
            for path, depth in partner_descendants(partner=partner).values_list("path", "depth"):
                assert path.startswith(prefix) and depth == path.count("."), (path[:50], depth)

        move(head.pk, shallow.pk, f"move team of {TEAM_SIZE:,} to a new sponsor (shallow)")
        move(
            head.pk,
            plan.chain[UPLINE_DEPTH][0],
            f"move team of {TEAM_SIZE:,} under depth {UPLINE_DEPTH:,} (paths +6 kB)",
        )
        chain_mid = plan.chain[200][0]
        move(chain_mid, shallow.pk, "move the line below depth 200 (with its branches)")
    finally:
        signals.partner_moved.receivers = saved_receivers
        signals.partner_moved.sender_receivers_cache.clear()

    print()
    print(f"Genealogy benchmark — {vendor} ({db_name})")
    print(
        f"{Partner.objects.count():,} partners; deepest level {deepest:,}; longest path {longest:,} characters; "
        f"line of {CHAIN_DEPTH:,}, team of {TEAM_SIZE:,}, {len(plan.mixed) - 1:,} mixed"
    )
    width = max(len(r[0]) for r in rows)
    header = f"{'measure':<{width}}  {'rows':>9}  {'time':>10}  {'rate / queries':<22} plan"
    print(header)
    print("-" * len(header))
    for what, amount, seconds, rate, note in rows:
        shown = f"{seconds * 1000:,.1f} ms" if seconds < 1 else f"{seconds:,.2f} s"
        print(f"{what:<{width}}  {amount:>9}  {shown:>10}  {rate:<22} {note}")


if __name__ == "__main__":
    main()
