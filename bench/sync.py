"""Full sync of SIMs vs. merely downloading them, side by side in ONE run.

Run by hand:  .venv/bin/python bench/sync.py [--sims 100000] [--fleets 1000] [--workers N] [--prefetch 2]
              [--repeat 3] [--profile]

1. Seeds the sandbox with ``--sims`` SIMs in a fresh database (a temporary SQLite file; or, with
   ``DATABASE_URL`` pointing at PostgreSQL, a throw-away ``bench_sync_<pid>`` database on that server).
2. Serves it with gunicorn in a subprocess (``--workers``, default ``os.cpu_count()``) on a free port, same DB.
3. Measures, PageSize 1000:
   (a) fetching every Sims page with bare ``requests`` + ``json()`` (no DB writes) - the floor;
   (b) listing them with the official ``twilio`` SDK pointed at the sandbox;
   (c) our full sync of ``sims`` into fresh (empty) local tables (``apps.sync.services.sync_resource``);
   (d) the no-change re-sync.
Each measurement is repeated ``--repeat`` times in a rotating order (a b cd, b cd a, cd a b, ...: (d) always
right after its (c), which empties the local table first) and the MEDIAN is reported, with every sample.
Prints seconds, ratios c/a, c/b, d/a and ``os.cpu_count()``. Targets: c/a <= 1.5, c < b, d/a <= 1.2.
The sandbox server runs on the same cores as the client: it serves (a) too, so the ratios stay fair.
The sync overlaps fetching, preparing and writing: a prefetch thread downloads up to ``--prefetch`` pages
ahead (``apps.sync.services.PREFETCH_PAGES``), a second one hashes, compares and builds the rows of each page
(``apps.core.upsert.PagedUpsert``), while the page before is written; for (c)/(d) the time spent writing and
the time spent waiting for a page (fetching and preparing not hidden behind writing) are printed too. (a) and
(b) run at Python's default thread switch interval; (c) and (d) at a Celery worker's
(``supersim_admin.celery.WORKER_SWITCH_INTERVAL``), where the sync runs in production.
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by the gunicorn workers of master ``pid`` (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:  # ppid
            total += (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sims", type=int, default=100_000)
    parser.add_argument("--fleets", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--prefetch", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="cProfile one full sync (c), print the top")
    args = parser.parse_args()

    tmpdir = tempfile.mkdtemp(prefix="bench-sync-")
    env = dict(os.environ, SUPERSIM_IGNORE_DOTENV="1", DJANGO_SETTINGS_MODULE="supersim_admin.settings")
    env.pop("REDIS_URL", None)  # DB lock, eager tasks: the bench measures HTTP + writes only
    pg_admin_url = None
    if env.get("DATABASE_URL", "").startswith("postgres"):
        base_url, _, _ = env["DATABASE_URL"].rpartition("/")
        db_name = f"bench_sync_{os.getpid()}"
        pg_admin_url = f"{base_url}/postgres"  # the maintenance database: the named one need not exist
        env["DATABASE_URL"] = f"{base_url}/{db_name}"
        import psycopg

        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{db_name}"')
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmpdir}/bench.sqlite3"
    os.environ.update(env)
    os.environ.pop("REDIS_URL", None)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.DEBUG = False
    call_command("migrate", interactive=False, verbosity=0)
    started = time.perf_counter()
    call_command(
        "sandbox_seed", sims=args.sims, fleets=args.fleets, seed=1, inventory=10, stdout=io.StringIO()
    )
    print(f"seeded {args.sims} SIMs in {time.perf_counter() - started:.1f}s")

    port = free_port()
    base = f"http://127.0.0.1:{port}/sandbox"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "supersim_admin.wsgi:application", "-b", f"127.0.0.1:{port}"]
        + ["-w", str(args.workers), "--threads", "2", "--timeout", "120", "--log-level", "warning"],
        cwd=ROOT,
        env=dict(env, DEBUG="false", ALLOWED_HOSTS="127.0.0.1,localhost"),
    )
    try:
        import requests

        auth = (settings.SANDBOX_ACCOUNT_SID, settings.SANDBOX_AUTH_TOKEN)
        deadline = time.time() + 60
        while True:
            try:
                if requests.get(f"{base}/v1/Fleets?PageSize=1", auth=auth, timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.time() > deadline:
                raise SystemExit("the sandbox server did not start")
            time.sleep(0.3)

        settings.SUPERSIM_API_BASE_URL = base
        settings.SUPERSIM_AUTH_MODE = "basic"
        settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = auth
        settings.TWILIO_API_KEY = settings.TWILIO_API_SECRET = ""
        settings.SUPERSIM_PAGE_SIZE = 1000
        from apps.sync import services as sync_services

        sync_services.PREFETCH_PAGES = args.prefetch
        logging.getLogger("twilio").setLevel(logging.WARNING)  # the SDK logs every request at INFO
        logging.getLogger("apps.sync").setLevel(logging.WARNING)

        # warm-up: one page each way (connections, imports, server caches)
        requests.get(f"{base}/v1/Sims?PageSize=1000", auth=auth, timeout=60).json()

        def bare() -> tuple[float, int, int]:
            t = time.perf_counter()
            session = requests.Session()
            session.auth = auth
            url, count, pages = f"{base}/v1/Sims?PageSize=1000", 0, 0
            while url:
                body = session.get(url, timeout=120).json()
                count += len(body["sims"])
                pages += 1
                url = body["meta"]["next_page_url"]
            return time.perf_counter() - t, count, pages

        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        class SandboxHttpClient(TwilioHttpClient):
            def request(self, method, url, *a_, **kw):
                return super().request(method, url.replace("https://supersim.twilio.com", base), *a_, **kw)

        def sdk() -> tuple[float, int]:
            twilio = Client(*auth, http_client=SandboxHttpClient())
            t = time.perf_counter()
            n = sum(1 for _ in twilio.supersim.v1.sims.stream(page_size=1000))
            return time.perf_counter() - t, n

        from apps.sims.models import Sim
        from apps.sync import services
        from apps.sync.models import SyncRun
        from supersim_admin.celery import WORKER_SWITCH_INTERVAL

        def timed_sync():
            (run,) = services.runs_create(resources=["sims"], source=SyncRun.Source.CLI)
            default_interval = sys.getswitchinterval()
            sys.setswitchinterval(WORKER_SWITCH_INTERVAL)  # as in a Celery worker, where syncs run
            t0, cpu0, srv0 = time.perf_counter(), time.process_time(), server_cpu(server.pid)
            try:
                services.sync_resource(run=run)
            finally:
                sys.setswitchinterval(default_interval)
            took = time.perf_counter() - t0
            run.cpu = (time.process_time() - cpu0, server_cpu(server.pid) - srv0)
            assert run.status == SyncRun.Status.SUCCEEDED, run.error
            return took, run

        _, total, pages = bare()  # the seed may add a few SIMs of its own (eSIMs...)
        samples: dict[str, list[float]] = {"a": [], "b": [], "c": [], "d": []}
        stages: dict[str, list[tuple[float, float]]] = {"c": [], "d": []}
        cpu: dict[str, list[tuple[float, float]]] = {"a": [], "c": [], "d": []}  # (client, sandbox) s

        def run_a():
            cpu0, srv0 = time.process_time(), server_cpu(server.pid)
            took, count, _ = bare()
            cpu["a"].append((time.process_time() - cpu0, server_cpu(server.pid) - srv0))
            assert count == total, count
            samples["a"].append(took)

        def run_b():
            took, n = sdk()
            assert n == total, n
            samples["b"].append(took)

        def run_cd():
            Sim.objects.all().delete()
            c, run_c = timed_sync()
            d, run_d = timed_sync()
            assert run_c.created == total and run_d.unchanged == total, (run_c.created, run_d.unchanged)
            samples["c"].append(c)
            samples["d"].append(d)
            for name, run in (("c", run_c), ("d", run_d)):
                timings = getattr(run, "timings", {})
                stages[name].append((timings.get("write", 0.0), timings.get("wait", 0.0)))
                cpu[name].append(run.cpu)

        load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
        blocks = [("a", run_a), ("b", run_b), ("cd", run_cd)]
        orders = []
        for i in range(args.repeat):
            order = blocks[i % 3 :] + blocks[: i % 3]
            orders.append(" ".join(name for name, _ in order))
            for _, block in order:
                block()

        if args.profile:
            import cProfile
            import pstats

            Sim.objects.all().delete()
            profile = cProfile.Profile()
            profile.enable()
            timed_sync()
            profile.disable()
            pstats.Stats(profile).sort_stats("tottime").print_stats(20)

        med = {k: statistics.median(v) for k, v in samples.items()}
        a, b, c, d = med["a"], med["b"], med["c"], med["d"]
        db = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        print(
            f"\n{total} SIMs, {pages} pages of 1000, database {db}, os.cpu_count()={os.cpu_count()}, "
            f"gunicorn {args.workers} worker(s) x 2 threads, prefetch {args.prefetch}, "
            f"{args.repeat} rounds ({' | '.join(orders)}), medians"
        )
        print(
            "the sandbox server shares the machine's cores with the client (it serves (a) too: ratios stay fair);"
            f" load average before the run {load_before}"
        )

        def line(label: str, key: str, extra: str = "") -> None:
            shown = " ".join(f"{x:.2f}" for x in samples[key])
            print(f"{label:<31}{med[key]:8.2f} s   [{shown}]{extra}")

        def used(key: str) -> str:
            client = statistics.median(x for x, _ in cpu[key])
            sandbox = statistics.median(y for _, y in cpu[key])
            return f"   CPU: client {client:.2f} s + sandbox {sandbox:.2f} s"

        def split(key: str) -> str:
            write = statistics.median(w for w, _ in stages[key])
            wait = statistics.median(w for _, w in stages[key])
            return f"   writing {write:.2f} s, waiting for pages {wait:.2f} s;" + used(key)

        line("(a) bare requests fetch", "a", used("a"))
        line("(b) twilio SDK list", "b")
        line("(c) full sync (fresh tables)", "c", split("c"))
        line("(d) no-change re-sync", "d", split("d"))
        print(
            f"c/a = {c / a:.2f} (target <= 1.5)   c/b = {c / b:.2f} (target < 1)   d/a = {d / a:.2f} (target <= 1.2)"
        )
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        from django.db import connections

        connections.close_all()
        if pg_admin_url:
            import psycopg

            with psycopg.connect(pg_admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "bench_sync_{os.getpid()}"')
        shutil.rmtree(tmpdir, ignore_errors=True)


if __name__ == "__main__":
    main()
