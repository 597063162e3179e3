"""Full sync of SIMs vs. merely downloading them, side by side in ONE run.

Run by hand:  .venv/bin/python bench/sync.py [--sims 100000] [--fleets 1000] [--workers N] [--prefetch 2]

1. Seeds the sandbox with ``--sims`` SIMs in a fresh database (a temporary SQLite file; or, with
   ``DATABASE_URL`` pointing at PostgreSQL, a throw-away ``bench_sync_<pid>`` database on that server).
2. Serves it with gunicorn in a subprocess (``--workers``, default ``os.cpu_count()``) on a free port, same DB.
3. Measures, PageSize 1000:
   (a) fetching every Sims page with bare ``requests`` + ``json()`` (no DB writes) - the floor;
   (b) listing them with the official ``twilio`` SDK pointed at the sandbox;
   (c) our full sync of ``sims`` into fresh (empty) local tables (``apps.sync.services.sync_resource``);
   (d) the no-change re-sync.
Prints seconds, ratios c/a, c/b, d/a and ``os.cpu_count()``. Targets: c/a <= 1.5, c < b, d/a <= 1.2.
The sync overlaps fetching and writing: a prefetch thread downloads up to ``--prefetch`` pages ahead while the
current page is written (``SYNC_PREFETCH_PAGES``).
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import socket
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sims", type=int, default=100_000)
    parser.add_argument("--fleets", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--prefetch", type=int, default=2)
    args = parser.parse_args()

    tmpdir = tempfile.mkdtemp(prefix="bench-sync-")
    env = dict(os.environ, SUPERSIM_IGNORE_DOTENV="1", DJANGO_SETTINGS_MODULE="supersim_admin.settings")
    env.pop("REDIS_URL", None)  # DB lock, eager tasks: the bench measures HTTP + writes only
    pg_admin_url = None
    if env.get("DATABASE_URL", "").startswith("postgres"):
        base_url, _, _ = env["DATABASE_URL"].rpartition("/")
        db_name = f"bench_sync_{os.getpid()}"
        pg_admin_url = env["DATABASE_URL"]
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
        settings.SYNC_PREFETCH_PAGES = args.prefetch

        # warm-up: one page each way (connections, imports, server caches)
        requests.get(f"{base}/v1/Sims?PageSize=1000", auth=auth, timeout=60).json()

        # (a) bare requests
        t = time.perf_counter()
        session = requests.Session()
        session.auth = auth
        url, count, pages = f"{base}/v1/Sims?PageSize=1000", 0, 0
        while url:
            body = session.get(url, timeout=120).json()
            count += len(body["sims"])
            pages += 1
            url = body["meta"]["next_page_url"]
        a = time.perf_counter() - t
        total = count  # the seed may add a few SIMs of its own (eSIMs...)

        # (b) the official twilio SDK, pointed at the sandbox
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        class SandboxHttpClient(TwilioHttpClient):
            def request(self, method, url, *a_, **kw):
                return super().request(method, url.replace("https://supersim.twilio.com", base), *a_, **kw)

        twilio = Client(*auth, http_client=SandboxHttpClient())
        t = time.perf_counter()
        n = sum(1 for _ in twilio.supersim.v1.sims.stream(page_size=1000))
        b = time.perf_counter() - t
        assert n == total, n

        # (c) full sync into fresh local tables, (d) no-change re-sync
        from apps.sims.models import Sim
        from apps.sync import services
        from apps.sync.models import SyncRun

        Sim.objects.all().delete()

        def timed_sync() -> tuple[float, SyncRun]:
            (run,) = services.runs_create(resources=["sims"], source=SyncRun.Source.CLI)
            t0 = time.perf_counter()
            services.sync_resource(run=run)
            took = time.perf_counter() - t0
            assert run.status == SyncRun.Status.SUCCEEDED, run.error
            return took, run

        c, run_c = timed_sync()
        d, run_d = timed_sync()
        assert run_c.created == total and run_d.unchanged == total, (run_c.created, run_d.unchanged)

        db = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        print(
            f"\n{total} SIMs, {pages} pages of 1000, database {db}, os.cpu_count()={os.cpu_count()}, "
            f"gunicorn {args.workers} worker(s), prefetch {args.prefetch}"
        )
        print(f"(a) bare requests fetch        {a:8.2f} s")
        print(f"(b) twilio SDK list            {b:8.2f} s")
        print(f"(c) full sync (fresh tables)   {c:8.2f} s   created={run_c.created}")
        print(f"(d) no-change re-sync          {d:8.2f} s   unchanged={run_d.unchanged}")
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
