"""Connection events ingest: events/s accepted by gunicorn + PostgreSQL in batches of 100, single-event
POSTs/s, acceptance latency (p50/p99), then the ``events`` worker's processing rate, and a check that every
event is stored once (0 lost, 0 duplicated) after a replay of every batch.

Run by hand (PostgreSQL + Redis needed, as in production):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x REDIS_URL=redis://127.0.0.1:6379/15 \\
        .venv/bin/python bench/events.py [--part ingest|reads|all] [--events 100000] [--batch 100] \\
        [--singles 5000] [--clients 4] [--json PATH]

``--part reads`` (bench/events_reads.py) fills a throw-away test database with ``--days`` days of
``--per-day`` events a day for ``--small`` then ``--large`` SIMs and times the SIM timeline, the SIM list
filtered by "offline > 24 h", the fleet health panel and the map's markers (server time, in-process
client), with their query counts; then compares a btree and a BRIN on the events' time. ``--json PATH``
writes every figure as one flat JSON object (each with the load average it was measured under).

It creates a database of its own (``bench_events_<pid>``, dropped after) on the server of DATABASE_URL,
serves the dashboard with gunicorn and the production settings (gunicorn.conf.py: gthread workers), posts
from ``--clients`` processes (keep-alive sessions, bodies built beforehand; they share the 2 cores with the
server, so the figures are a floor), and only then starts one Celery worker on the ``events`` queue
(``--process-concurrency``) to time the processing apart from the acceptance.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PY = sys.executable
AUTH = ("bench-sink", secrets.token_urlsafe(16))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_bodies(count: int, batch: int, sims: int, start: int = 0) -> list[bytes]:
    from apps.events.testing import cloud_event

    t0 = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    kinds = ["data-session.updated"] * 6 + [
        "data-session.ended",
        "data-session.started",
        "attachment.accepted",
    ]
    events = [
        cloud_event(
            kinds[i % len(kinds)],
            sim_sid=f"HS{i % sims:032x}",
            at=t0 + dt.timedelta(milliseconds=i),
            event_sid=f"EZ{start + i:032x}",
            data_session_sid=f"HD{(i % sims):032x}",
            data_total=i % 5000,
        )
        for i in range(start, start + count)
    ]
    return [json.dumps(events[i : i + batch]).encode() for i in range(0, count, batch)]


def _client(args) -> list[float]:
    import requests

    url, bodies = args
    session = requests.Session()
    session.auth = AUTH
    headers = {"Content-Type": "application/json", "X-Forwarded-Proto": "https"}
    latencies = []
    for body in bodies:
        started = time.perf_counter()
        response = session.post(url, data=body, headers=headers, timeout=30)
        latencies.append(time.perf_counter() - started)
        if response.status_code != 202:
            raise SystemExit(f"HTTP {response.status_code}: {response.text[:200]}")
    return latencies


def post_all(url: str, bodies: list[bytes], clients: int) -> tuple[float, list[float]]:
    chunks = [(url, bodies[i::clients]) for i in range(clients)]
    with multiprocessing.get_context("fork").Pool(clients) as pool:
        started = time.perf_counter()
        results = pool.map(_client, chunks)
        elapsed = time.perf_counter() - started
    return elapsed, sorted(x for r in results for x in r)


def pct(values: list[float], p: float) -> float:
    return values[min(len(values) - 1, int(len(values) * p))] * 1000


def wait_http(url: str, timeout: float = 60) -> None:
    import requests

    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if requests.get(url, timeout=2, headers={"X-Forwarded-Proto": "https"}).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{url} did not answer")


def load() -> float:
    return round(os.getloadavg()[0], 2)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of ``pid`` and its children (gunicorn's master and workers) so far."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    for child in [pid, *map(int, children)]:
        try:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def start_worker(env, concurrency: int, log) -> subprocess.Popen:
    return subprocess.Popen(
        [PY, "-m", "celery", "-A", "supersim_admin", "worker", "-Q", "events", "-l", "warning"]
        + ["-c", str(concurrency), "--without-gossip", "--without-mingle"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: SIGKILL reaches the pool's children too
    )


def ingest(args, figures: dict) -> None:
    database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database_url.startswith("postgres") or not redis_url:
        raise SystemExit("set DATABASE_URL (PostgreSQL) and REDIS_URL")
    base_url, _, _ = database_url.rpartition("/")
    db_name = f"bench_events_{os.getpid()}"
    import psycopg
    import redis

    with psycopg.connect(f"{base_url}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db_name}"')
    broker = redis.Redis.from_url(redis_url)
    broker.delete("events")
    env = dict(
        os.environ,
        SUPERSIM_IGNORE_DOTENV="1",
        DJANGO_SETTINGS_MODULE="supersim_admin.settings",
        DATABASE_URL=f"{base_url}/{db_name}",
        PRODUCTION="true",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        SANDBOX_ENABLED="false",
        CELERY_TASK_ALWAYS_EAGER="false",
        CONNECTION_EVENTS_BASIC_USERNAME=AUTH[0],
        CONNECTION_EVENTS_BASIC_PASSWORD=AUTH[1],
    )
    os.environ.update(env)
    procs = []
    try:
        subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        import django

        django.setup()
        from django.core.cache import cache

        from apps.events.services import KICK_KEY

        cache.delete(KICK_KEY)
        port = free_port()
        (ROOT / "test-results").mkdir(exist_ok=True)
        log = open(ROOT / "test-results" / "bench-events-gunicorn.log", "w")  # noqa: SIM115
        procs.append(
            subprocess.Popen(
                [PY, "-m", "gunicorn", "-c", "gunicorn.conf.py", "supersim_admin.wsgi:application"]
                + ["--forwarded-allow-ips", "127.0.0.1", "--log-level", "warning"],
                cwd=ROOT,
                env=env | {"GUNICORN_BIND": f"127.0.0.1:{port}"},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        gunicorn = procs[-1].pid
        wait_http(f"http://127.0.0.1:{port}/health/")
        url = f"http://127.0.0.1:{port}/webhooks/connection-events/"
        workers = os.environ.get("WEB_CONCURRENCY", "3")
        threads = os.environ.get("GUNICORN_THREADS", "2")
        print(f"gunicorn {workers}x{threads} gthread, PostgreSQL {db_name}, {args.clients} client processes")
        figures.update(gunicorn=f"{workers}x{threads} gthread", clients=args.clients, cores=os.cpu_count())

        warm = make_bodies(args.clients * 50, 1, args.sims, start=10_000_000)  # each worker's first requests
        post_all(url, warm, args.clients)

        bodies = make_bodies(args.events, args.batch, args.sims)
        cpu = cpu_seconds(gunicorn)
        elapsed, lat = post_all(url, bodies, args.clients)
        cpu = cpu_seconds(gunicorn) - cpu
        figures.update(
            batch_size=args.batch,
            batch_events=args.events,
            batch_events_per_s=round(args.events / elapsed),
            batch_p50_ms=round(pct(lat, 0.5), 1),
            batch_p99_ms=round(pct(lat, 0.99), 1),
            batch_web_cpu_ms_per_post=round(cpu * 1000 / len(bodies), 2),
            batch_load=load(),
        )
        print(
            f"batches of {args.batch}: {args.events:,} events in {len(bodies):,} POSTs, {elapsed:.1f} s -> "
            f"{args.events / elapsed:,.0f} events/s; acceptance p50 {pct(lat, 0.5):.1f} ms, "
            f"p99 {pct(lat, 0.99):.1f} ms; gunicorn CPU {cpu * 1000 / len(bodies):.2f} ms/POST (load {load()})"
        )
        singles = make_bodies(args.singles, 1, args.sims, start=args.events)
        cpu = cpu_seconds(gunicorn)
        elapsed, lat = post_all(url, singles, args.clients)
        cpu = cpu_seconds(gunicorn) - cpu
        figures.update(
            single_posts=args.singles,
            single_posts_per_s=round(args.singles / elapsed),
            single_p50_ms=round(pct(lat, 0.5), 1),
            single_p99_ms=round(pct(lat, 0.99), 1),
            single_web_cpu_ms_per_post=round(cpu * 1000 / args.singles, 2),
            single_load=load(),
        )
        print(
            f"single events: {args.singles:,} POSTs in {elapsed:.1f} s -> {args.singles / elapsed:,.0f}/s; "
            f"p50 {pct(lat, 0.5):.1f} ms, p99 {pct(lat, 0.99):.1f} ms; gunicorn CPU "
            f"{cpu * 1000 / args.singles:.2f} ms/POST (load {load()})"
        )

        from apps.events.models import ConnectionEvent, EventBatch
        from apps.events.tasks import process_pending_task, process_queued_task

        # processing, with a worker SIGKILLed part-way and every batch replayed meanwhile
        queued = EventBatch.objects.filter(status="queued").count()
        wlog = open(ROOT / "test-results" / "bench-events-worker.log", "w")  # noqa: SIM115
        started = time.perf_counter()
        worker = start_worker(env, args.process_concurrency, wlog)
        while EventBatch.objects.filter(status="processed").count() < queued // 3:
            time.sleep(0.2)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        killed_at = EventBatch.objects.filter(status="processed").count()
        elapsed_replay, lat = post_all(url, bodies, args.clients)
        figures.update(replay_p99_ms=round(pct(lat, 0.99), 1), replay_load=load())
        print(
            f"worker SIGKILLed after {killed_at:,} of {queued:,} batches; replay of every batch: "
            f"{elapsed_replay:.1f} s, p99 {pct(lat, 0.99):.1f} ms (load {load()})"
        )
        worker = start_worker(env, args.process_concurrency, wlog)
        procs.append(worker)
        cache.delete(KICK_KEY)  # the killed worker's mark (it would expire within 30 s)
        process_pending_task.delay()
        while EventBatch.objects.filter(status="queued").exists():
            time.sleep(0.5)
            if time.perf_counter() - started > 1200:
                break
        elapsed = time.perf_counter() - started - elapsed_replay
        total = args.events * 2 + args.singles
        figures.update(
            process_events_per_s=round(total / elapsed), process_concurrency=args.process_concurrency,
            process_load=load(),
        )  # fmt: skip
        print(
            f"processing ({args.process_concurrency} worker processes, start-ups and the kill included): "
            f"{queued + len(bodies):,} batches, {total:,} events (half replays) in {elapsed:.1f} s -> "
            f"{total / elapsed:,.0f} events/s (load {load()})"
        )
        assert process_queued_task  # the beat sweep that re-queues what a lost worker held (5 min)
        stored = ConnectionEvent.objects.count()
        unique = ConnectionEvent.objects.values("event_sid").distinct().count()
        expected = args.events + args.singles + len(warm)  # the warm-up's events are stored too
        figures.update(stored=stored, expected=expected, lost=expected - unique, duplicated=stored - unique)
        print(
            f"stored {stored:,} events, {unique:,} distinct, expected {expected:,}: "
            f"{'OK, 0 lost, 0 duplicated' if stored == unique == expected else 'MISMATCH'}"
        )
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                if proc is not procs[0]:
                    os.killpg(proc.pid, signal.SIGTERM)
                else:
                    proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{base_url}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


def reads(args, figures: dict) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supersim_admin.settings")
    os.environ.setdefault("SUPERSIM_IGNORE_DOTENV", "1")
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL (PostgreSQL)")
    sys.path.insert(0, str(ROOT / "bench"))
    from _testdb import throwaway_database
    from events_reads import run

    with throwaway_database("events") as name:
        print(f"reads: {name}, {args.days} days x {args.per_day} events/day per SIM, load {load()}")
        figures.update(
            run(
                small=args.small,
                large=args.large,
                days=args.days,
                per_day=args.per_day,
                requests=args.requests,
                storage_too=not args.skip_storage,
            )
        )
        figures["reads_load"] = load()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["ingest", "reads", "all"], default="all")
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--singles", type=int, default=5000)
    parser.add_argument("--sims", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--process-concurrency", type=int, default=2)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--per-day", type=int, default=1)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--skip-storage", action="store_true", help="reads: no btree / BRIN comparison")
    parser.add_argument("--json", metavar="PATH", help="write the figures as one flat JSON object")
    args = parser.parse_args()

    figures: dict = {"bench": "events", "load_start": load()}
    if args.part == "all":  # two processes: each part sets Django up its own way
        for part in ("ingest", "reads"):
            out = Path(f"/tmp/bench-events-{os.getpid()}-{part}.json")
            argv, skip = [], False
            for arg in sys.argv[1:]:  # the same options, less --part and --json (and their values)
                if skip or arg.split("=")[0] in ("--part", "--json"):
                    skip = not skip and "=" not in arg
                    continue
                argv.append(arg)
            subprocess.run([PY, __file__, "--part", part, "--json", str(out), *argv], check=True)
            figures.update(json.loads(out.read_text()))
            out.unlink()
    elif args.part == "ingest":
        ingest(args, figures)
    else:
        reads(args, figures)
    figures["load_end"] = load()
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
