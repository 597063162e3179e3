"""Connection events ingest: events/s accepted by gunicorn + PostgreSQL in batches of 100, single-event
POSTs/s, acceptance latency (p50/p99), then the ``events`` worker's processing rate, and a check that every
event is stored once (0 lost, 0 duplicated) after a replay of every batch.

Run by hand (PostgreSQL + Redis needed, as in production):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x REDIS_URL=redis://127.0.0.1:6379/15 \\
        .venv/bin/python bench/events.py [--events 100000] [--batch 100] [--singles 5000] [--clients 4]

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--singles", type=int, default=5000)
    parser.add_argument("--sims", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--process-concurrency", type=int, default=2)
    args = parser.parse_args()

    database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database_url.startswith("postgres") or not redis_url:
        raise SystemExit("set DATABASE_URL (PostgreSQL) and REDIS_URL")
    base_url, _, _ = database_url.rpartition("/")
    db_name = f"bench_events_{os.getpid()}"
    import psycopg
    import redis

    with psycopg.connect(f"{base_url}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db_name}"')
    redis.Redis.from_url(redis_url).delete("events")
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
        wait_http(f"http://127.0.0.1:{port}/health/")
        url = f"http://127.0.0.1:{port}/webhooks/connection-events/"
        workers = os.environ.get("WEB_CONCURRENCY", "3")
        threads = os.environ.get("GUNICORN_THREADS", "2")
        print(f"gunicorn {workers}x{threads} gthread, PostgreSQL {db_name}, {args.clients} client processes")

        bodies = make_bodies(args.events, args.batch, args.sims)
        elapsed, lat = post_all(url, bodies, args.clients)
        print(
            f"batches of {args.batch}: {args.events:,} events in {len(bodies):,} POSTs, {elapsed:.1f} s -> "
            f"{args.events / elapsed:,.0f} events/s; acceptance p50 {pct(lat, 0.5):.1f} ms, "
            f"p99 {pct(lat, 0.99):.1f} ms"
        )
        singles = make_bodies(args.singles, 1, args.sims, start=args.events)
        elapsed, lat = post_all(url, singles, args.clients)
        print(
            f"single events: {args.singles:,} POSTs in {elapsed:.1f} s -> {args.singles / elapsed:,.0f}/s; "
            f"p50 {pct(lat, 0.5):.1f} ms, p99 {pct(lat, 0.99):.1f} ms"
        )
        elapsed, lat = post_all(url, bodies, args.clients)
        print(f"replay of every batch: {elapsed:.1f} s, p99 {pct(lat, 0.99):.1f} ms")

        from apps.events.models import ConnectionEvent, EventBatch

        queued = EventBatch.objects.filter(status="queued").count()
        wlog = open(ROOT / "test-results" / "bench-events-worker.log", "w")  # noqa: SIM115
        started = time.perf_counter()
        procs.append(
            subprocess.Popen(
                [PY, "-m", "celery", "-A", "supersim_admin", "worker", "-Q", "events", "-l", "warning"]
                + ["-c", str(args.process_concurrency), "--without-gossip", "--without-mingle"],
                cwd=ROOT,
                env=env,
                stdout=wlog,
                stderr=subprocess.STDOUT,
            )
        )
        while EventBatch.objects.filter(status="queued").exists():
            time.sleep(0.5)
        elapsed = time.perf_counter() - started
        total = args.events * 2 + args.singles
        print(
            f"processing ({args.process_concurrency} worker processes, incl. start-up): {queued:,} batches, "
            f"{total:,} events (half replays) in {elapsed:.1f} s -> {total / elapsed:,.0f} events/s"
        )
        stored = ConnectionEvent.objects.count()
        unique = ConnectionEvent.objects.values("event_sid").distinct().count()
        expected = args.events + args.singles
        print(
            f"stored {stored:,} events, {unique:,} distinct, expected {expected:,}: "
            f"{'OK, 0 lost, 0 duplicated' if stored == unique == expected else 'MISMATCH'}"
        )
    finally:
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{base_url}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
