"""Full sync of SIMs vs. merely downloading them, side by side in ONE run.

Run by hand:  .venv/bin/python bench/sync.py [--sims 100000] [--fleets 1000] [--workers N] [--prefetch 2]
              [--repeat 3] [--profile] [--json PATH] [--database-url URL] [--db-prefix NAME] [--port N]

1. Seeds the sandbox with ``--sims`` SIMs in a fresh database (a temporary SQLite file; or, with
   ``--database-url`` / DATABASE_URL pointing at PostgreSQL, a throw-away ``<prefix>_sync_<pid>`` database on
   that server, dropped at the end), then applies every transition the seed scheduled (eSIM profiles that
   become SIMs), so the count of SIMs no longer moves while it is measured.
2. Serves it with gunicorn in a subprocess (``--workers``, default ``os.cpu_count()``) on a free port, same DB.
3. Measures, PageSize 1000:
   (a) fetching every Sims page with bare ``requests`` + ``json()`` (no DB writes) - the floor;
   (b) listing them with the official ``twilio`` SDK pointed at the sandbox;
   (c) our full sync of ``sims`` into fresh (empty) local tables (``apps.sync.services.sync_resource``);
   (d) the no-change re-sync.
Each measurement is repeated ``--repeat`` times in a rotating order (a b cd, b cd a, cd a b, ...: (d) always
right after its (c), which empties the local table first); the ratios c/a, c/b and d/a are taken ROUND BY
ROUND (each against the (a) of its own round) and their median reported with every round's, beside the
median seconds. Peak RSS of the process during (c) and (d) is sampled every 20 ms. Targets: c/a <= 1.2,
c < b, d/a <= 1.1. ``--profile`` cProfiles one more full sync in EVERY thread (the prefetching and preparing
threads too) and prints the merged top.
The sandbox server runs on the same cores as the client: it serves (a) too, so the ratios stay fair.
The sync overlaps fetching, preparing and writing: a prefetch thread downloads up to ``--prefetch`` pages
ahead (``apps.sync.services.PREFETCH_PAGES``), a second one hashes, compares and builds the rows of each page
(``apps.core.upsert.PagedUpsert``), while the page before is written; for (c)/(d) the time spent writing and
the time spent waiting for a page (fetching and preparing not hidden behind writing) are printed too. (a) and
(b) run at Python's default thread switch interval; (c) and (d) at a Celery worker's
(``supersim_admin.celery.WORKER_SWITCH_INTERVAL``), where the sync runs in production.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
import _common  # noqa: E402


def rss_mb() -> float:
    """Resident set size of this process now (Linux /proc), MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class PeakRss:
    """Samples this process's RSS every 20 ms while the block runs; ``peak`` in MB."""

    def __enter__(self):
        import threading

        self.peak = self.start = rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, rss_mb())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb())


def profile_all_threads(block) -> None:
    """cProfile ``block()`` in this thread AND every thread it starts; print the merged top 25."""
    import cProfile
    import pstats
    import threading

    profiles = [cProfile.Profile()]

    def start_in_thread(*_):
        sys.setprofile(None)  # this hook only starts the thread's own profiler
        profile = cProfile.Profile()
        profiles.append(profile)
        profile.enable()

    threading.setprofile(start_in_thread)
    profiles[0].enable()
    try:
        block()
    finally:
        profiles[0].disable()
        threading.setprofile(None)
    stats = pstats.Stats(profiles[0])
    for profile in profiles[1:]:
        stats.add(profile)
    print(f"\nprofile of one full sync, {len(profiles)} threads merged:")
    stats.sort_stats("tottime").print_stats(25)


def settle_sandbox() -> int:
    """Apply every transition the seed scheduled (eSIM profiles becoming SIMs...) now; returns the steps."""
    from datetime import timedelta

    from apps.sandbox.services import now, run_due_transitions

    applied, at = 0, now() + timedelta(days=1)
    while True:
        steps = run_due_transitions(at)
        applied += steps
        if not steps:
            return applied


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
    parser = _common.parser(__doc__, sims=100_000, fleets=1000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--prefetch", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="cProfile one full sync (c), print the top")
    args = parser.parse_args()
    figures = _common.Figures()

    tmpdir = tempfile.mkdtemp(prefix="bench-sync-")
    env = dict(os.environ, SUPERSIM_IGNORE_DOTENV="1", DJANGO_SETTINGS_MODULE="supersim_admin.settings")
    env.pop("REDIS_URL", None)  # DB lock, eager tasks: the bench measures HTTP + writes only
    env["DATABASE_URL"] = args.database_url
    pg_admin_url = None
    db_name = _common.db_name(args, "sync")
    if env.get("DATABASE_URL", "").startswith("postgres"):
        base_url, _, _ = env["DATABASE_URL"].rpartition("/")
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
    print(f"applied {settle_sandbox()} scheduled sandbox transitions (the count of SIMs is final)")

    port = _common.port(args)
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
                with PeakRss() as rss:
                    services.sync_resource(run=run)
            finally:
                sys.setswitchinterval(default_interval)
            took = time.perf_counter() - t0
            run.peak_rss = (rss.peak, rss.peak - rss.start)
            run.cpu = (time.process_time() - cpu0, server_cpu(server.pid) - srv0)
            assert run.status == SyncRun.Status.SUCCEEDED, run.error
            return took, run

        _, total, pages = bare()  # the seed may add a few SIMs of its own (eSIMs...)
        samples: dict[str, list[float]] = {"a": [], "b": [], "c": [], "d": []}
        stages: dict[str, list[tuple[float, float]]] = {"c": [], "d": []}
        cpu: dict[str, list[tuple[float, float]]] = {"a": [], "c": [], "d": []}  # (client, sandbox) s
        peaks: dict[str, list[float]] = {"c": [], "d": []}

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
                peaks[name].append(run.peak_rss)

        load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
        blocks = [("a", run_a), ("b", run_b), ("cd", run_cd)]
        orders = []
        for i in range(args.repeat):
            order = blocks[i % 3 :] + blocks[: i % 3]
            orders.append(" ".join(name for name, _ in order))
            for _, block in order:
                block()

        if args.profile:
            Sim.objects.all().delete()
            profile_all_threads(timed_sync)

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
        rounds = range(len(samples["a"]))
        per_round = {
            "full sync / download": [samples["c"][i] / samples["a"][i] for i in rounds],
            "full sync / sdk": [samples["c"][i] / samples["b"][i] for i in rounds],
            "re-sync / download": [samples["d"][i] / samples["a"][i] for i in rounds],
        }
        targets = {"full sync / download": "<= 1.2", "full sync / sdk": "< 1", "re-sync / download": "<= 1.1"}
        print("ratios round by round (median [every round]):")
        for name, values in per_round.items():
            shown = " ".join(f"{x:.2f}" for x in values)
            print(f"  {name:22} {statistics.median(values):5.2f} [{shown}]  target {targets[name]}")
        peak = {k: max(p for p, _ in v) for k, v in peaks.items()}
        grew = {k: max(g for _, g in v) for k, v in peaks.items()}
        print(
            f"peak RSS: full sync {peak['c']:.0f} MB (+{grew['c']:.0f} MB during it, "
            f"{grew['c'] * 2**20 / total:.0f} B per SIM), re-sync {peak['d']:.0f} MB (+{grew['d']:.0f} MB, "
            f"{grew['d'] * 2**20 / total:.0f} B per SIM); load average after {_common.load_average()}"
        )
        figures.update(
            {
                "sims": total,
                "pages": pages,
                "bare download s": a,
                "sdk list s": b,
                "full sync s": c,
                "re-sync s": d,
                "full sync s per 1000 sims": c * 1000 / total,
                "re-sync s per 1000 sims": d * 1000 / total,
                "full sync peak rss mb": peak["c"],
                "re-sync peak rss mb": peak["d"],
                "full sync rss growth mb": grew["c"],
                "re-sync rss growth mb": grew["d"],
            }
        )
        for name, values in per_round.items():
            figures[name] = statistics.median(values)
            for i, value in enumerate(values, 1):
                figures[f"{name} round {i}"] = value
        figures.write(args.json)
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
                conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        shutil.rmtree(tmpdir, ignore_errors=True)


if __name__ == "__main__":
    main()
