#!/usr/bin/env python
"""Enrollment under load: 50 sign-ups at the same moment below one leader with a
team of 50,000. How long does each sign-up take, and is every team size exact
afterwards?

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_enroll \\
        .venv/bin/python bench/enrollment.py [--team 50000] [--signups 50] [--rounds 5]
                                             [--processes 2] [--broker redis://…/11]

PostgreSQL only; pass an EMPTY scratch database, never a real one. With
--broker (a Redis URL, e.g. redis://127.0.0.1:6379/11) the tasks a sign-up
enqueues after commit go to that broker as in production (nobody consumes
them: the bench applies the team-size changes itself, see below, and flushes
that Redis database at the end), and the cache is that Redis too (as REDIS_URL
is in production: the processes share it); without it Celery runs them eagerly
inside the sign-up, which is not what a web worker does.

One leader with a random bushy team of --team partners is bulk-loaded (path and
depth as partner_enroll writes them, team sizes by partner_team_sizes_refresh).
Each round (after --warmup untimed ones) starts --signups threads, each with its own
database connection, spread over --processes forked processes (default 2: the web
server's workers on this machine's 2 cores; 1 puts all of them behind one GIL, as
this bench did at first), at one barrier; each enrolls one new partner through partners.services.partner_enroll
(the sign-up form's service) under a different random member of the team, so
every line runs through the leader. The time of each call includes its commit.
While a round runs, a "worker" thread adds up the pending team-size changes
every 50 ms (partner_team_size_changes_apply, what the Celery task calls), if
the code has that ledger. After each round the changes are applied once more
and the leader's and every sponsor's team_size is compared with a count of
their descendants. Prints p50 / p95 / max per round and over all rounds, and
first the same sign-ups one at a time, with their CPU time: a round cannot beat
50 x the CPU time of one sign-up spread over the processes (threads of one process
share its GIL) and the cores; waits for locks show as p95 far above p50 (each
sign-up waiting for the last).
"""

import argparse
import multiprocessing
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--team", type=int, default=50_000, help="the leader's team (50,000)")
    parser.add_argument("--signups", type=int, default=50, help="sign-ups at once (50)")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds (default 5)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed rounds first (default 1)")
    parser.add_argument("--broker", default="", help="Redis URL for the tasks (see above)")
    parser.add_argument(
        "--processes", type=int, default=2, help="processes the sign-ups are spread over (2)"
    )
    parser.add_argument("--seed", type=int, default=42)
    return parser.parse_args()


def setup_django(broker: str):
    sys.path.insert(0, str(BASE_DIR))
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to an empty PostgreSQL scratch database.")
    if broker:
        os.environ["CELERY_BROKER_URL"] = broker
        os.environ["REDIS_URL"] = broker
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mlm.settings")
    os.environ.setdefault("DEBUG", "false")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from partners.models import Partner

    if Partner.objects.exists():
        sys.exit("This database already holds partners. Point DATABASE_URL at an empty one.")


def build(*, size: int, rng: random.Random) -> list[tuple[int, str]]:
    """The leader (id 1) and its team; returns (id, path) of every member."""
    from django.db import connection, transaction

    from partners.genealogy import child_path
    from partners.models import Partner, User
    from partners.services import partner_team_sizes_refresh

    rows = [(1, None, "", 0)]
    for pid in range(2, size + 2):
        parent = rng.choice(rows)
        rows.append((pid, parent[0], child_path(parent[2], parent[0]), parent[3] + 1))
    started = time.perf_counter()
    with transaction.atomic():
        for offset in range(0, len(rows), 5_000):
            chunk = rows[offset : offset + 5_000]
            User.objects.bulk_create(
                [
                    User(id=pid, email=f"member-{pid}@example.invalid", password="!")
                    for pid, *_ in chunk
                ]
            )
            Partner.objects.bulk_create(
                [
                    Partner(
                        id=pid,
                        user_id=pid,
                        first_name="Member",
                        last_name=str(pid),
                        slug=f"member-{pid}",
                        sponsor_id=sponsor,
                        path=path,
                        depth=depth,
                    )
                    for pid, sponsor, path, depth in chunk
                ]
            )
        partner_team_sizes_refresh()
    with connection.cursor() as cursor:
        for table in ("partners_partner", "partners_user"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)", [len(rows)]
            )
            cursor.execute(f"VACUUM ANALYZE {table}")
    depth = max(r[3] for r in rows)
    print(
        f"loaded a team of {size:,} (depth up to {depth}) in {time.perf_counter() - started:.1f} s"
    )
    return [(pid, path) for pid, _sponsor, path, _depth in rows[1:]]


def applier():
    """The ledger's apply service, or None for code without the ledger."""
    from partners import services

    return getattr(services, "partner_team_size_changes_apply", None)


def _signups(round_no: int, part: list[tuple[int, int]], barrier, results) -> None:
    """Run these sign-ups (index, sponsor id) in threads of this process, all at
    `barrier`; put (index, ms) or ("error", text) into `results`."""
    from django.db import connections

    from partners.models import Partner
    from partners.services import partner_enroll

    def signup(index: int, sponsor_id: int):
        try:
            sponsor = Partner.objects.get(pk=sponsor_id)
            barrier.wait()
            started = time.perf_counter()
            partner_enroll(
                email=f"new{round_no}-{index}@example.invalid",
                first_name="New",
                last_name=f"R{round_no}N{index}",
                slug=f"new{round_no}-{index}",
                sponsor=sponsor,
                terms_accepted=True,
            )
            results.put((index, (time.perf_counter() - started) * 1000))
        except BaseException as exc:  # noqa: BLE001 -- reported by the round
            results.put(("error", repr(exc)))
            barrier.abort()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=signup, args=pair) for pair in part]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def one_round(round_no: int, sponsors: list[int], apply, processes: int) -> list[float]:
    from django.db import connections

    # Forked before any thread of this round starts, and without an open
    # connection to inherit: each process opens its own.
    connections.close_all()
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(len(sponsors))
    results = context.Queue()
    pairs = list(enumerate(sponsors))
    children = [
        context.Process(target=_signups, args=(round_no, pairs[i::processes], barrier, results))
        for i in range(processes)
    ]
    for child in children:
        child.start()
    done = threading.Event()

    def worker():
        try:
            while not done.is_set():
                apply()
                done.wait(0.05)
        finally:
            connections.close_all()

    background = threading.Thread(target=worker) if apply else None
    if background:
        background.start()
    times: list[float] = [0.0] * len(sponsors)
    errors = []
    for _ in sponsors:
        index, value = results.get(timeout=300)
        if index == "error":
            errors.append(value)
        else:
            times[index] = value
    for child in children:
        child.join()
    done.set()
    if background:
        background.join()
    if errors:
        raise RuntimeError(f"{len(errors)} sign-ups failed, first: {errors[0]}")
    return times


def one_at_a_time(sponsors: list[int], apply) -> tuple[list[float], list[float]]:
    """The same sign-ups one after the other: what each costs without any
    wait for another (the floor of a round: 50 of them share the cores), as
    (wall ms, CPU ms of this process) per sign-up."""
    from partners.models import Partner
    from partners.services import partner_enroll

    times, cpu = [], []
    for index, sponsor_id in enumerate(sponsors):
        sponsor = Partner.objects.get(pk=sponsor_id)
        started, cpu_started = time.perf_counter(), time.process_time()
        partner_enroll(
            email=f"serial-{index}@example.invalid",
            first_name="Serial",
            last_name=str(index),
            slug=f"serial-{index}",
            sponsor=sponsor,
            terms_accepted=True,
        )
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        if apply:
            apply()
    return times, cpu


def sizes_exact(sponsors: list[int]) -> tuple[bool, int, int]:
    """(every size right, the leader's stored size, the leader's real team)."""
    from partners.models import Partner
    from partners.selectors import partner_descendants

    wrong = 0
    leader = Partner.objects.get(pk=1)
    real = partner_descendants(partner=leader).count()
    for partner in Partner.objects.filter(pk__in=sponsors):
        if partner.team_size != partner_descendants(partner=partner).count():
            wrong += 1
    return wrong == 0 and leader.team_size == real, leader.team_size, real


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main():
    args = parse_args()
    setup_django(args.broker)
    rng = random.Random(args.seed)
    members = build(size=args.team, rng=rng)
    apply = applier()
    print(
        f"{args.signups} sign-ups at once per round over {args.processes} processes, "
        f"{args.rounds} rounds; "
        + (
            "team-size ledger applied by a worker thread"
            if apply
            else "team sizes locked and updated by each sign-up"
        )
    )
    serial, cpu = one_at_a_time([pid for pid, _path in rng.sample(members, 20)], apply)
    print(
        f"one sign-up at a time (20): p50 {statistics.median(serial):.1f} ms, "
        f"p95 {percentile(serial, 0.95):.1f} ms, CPU of this process p50 "
        f"{statistics.median(cpu):.1f} ms"
    )
    print(f"{'round':<6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'wall s':>7}  team sizes")
    everything: list[float] = []
    all_exact = True
    for round_no in range(1 - args.warmup, args.rounds + 1):
        sponsors = [pid for pid, _path in rng.sample(members, args.signups)]
        started = time.perf_counter()
        times = one_round(round_no, sponsors, apply, args.processes)
        wall = time.perf_counter() - started
        if apply:
            apply()
        exact, stored, real = sizes_exact(sponsors)
        all_exact &= exact
        if round_no < 1:
            print(
                f"(warm-up: p95 {percentile(times, 0.95):.1f} ms, {'exact' if exact else 'WRONG'})"
            )
            continue
        everything += times
        print(
            f"{round_no:<6} {statistics.median(times):>8.1f} {percentile(times, 0.95):>8.1f} "
            f"{max(times):>8.1f} {wall:>7.2f}  {'exact' if exact else 'WRONG'} "
            f"(leader {stored:,} of {real:,})"
        )
    print(
        f"{'all':<6} {statistics.median(everything):>8.1f} {percentile(everything, 0.95):>8.1f} "
        f"{max(everything):>8.1f}          {'exact' if all_exact else 'WRONG'}"
    )
    if args.broker:
        import redis

        redis.Redis.from_url(args.broker).flushdb()


if __name__ == "__main__":
    main()
