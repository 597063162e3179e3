"""Load: 50 operators browsing, filtering and changing SIMs, without and then WITH a full sync running.

Run by hand (127.0.0.1 only; PostgreSQL needed):
    .venv/bin/python bench/load.py --database-url postgres://postgres@127.0.0.1:5432/postgres \
        [--sims 100000] [--users 50] [--seconds 60] [--workers 4] [--rounds 2] [--json PATH] \
        [--redis-url redis://127.0.0.1:6379/12] [--db-prefix NAME] [--port N]

1. A throw-away database ``<prefix>_load_<pid>`` on the server of ``--database-url`` (dropped at the end).
2. The sandbox is seeded with ``--sims`` SIMs and served by its own gunicorn (the API, as Twilio would be),
   at idle priority (SCHED_IDLE), on its own SQLite database (a temporary file): on a real deployment the
   API's CPU, its database's included, is not on the dashboard's host. A niced PostgreSQL backend would not
   yield to the dashboard:
   with the kernel's autogroup scheduling (and in containers) nice only ranks processes within one session,
   and every PostgreSQL backend shares the server's. (The sync's backends stay on PostgreSQL: that database
   work is the dashboard's.)
3. The product tables are filled the real way: ``manage.py sync`` (fleets, NAPs, networks, SIMs) from it.
4. The dashboard runs under gunicorn with the PRODUCTION settings and Redis (``--redis-url``: cache, sessions,
   sync lock) (``PRODUCTION=true``, static files
   collected, a pretend TLS proxy: ``X-Forwarded-Proto: https``).
5. Locust, headless, ``--users`` operators (bench/locustfile.py), ``--seconds`` per phase:
   phase A alone; phase B while ``manage.py sync sims`` (a full pass over every SIM page) runs in a loop;
   ``--rounds`` rounds, the order alternating (A B, B A, ...) so neither phase always runs first;
   at a low CPU weight as the Celery worker has in docker-compose.yml (``cpu_shares``): its session's
   autogroup is niced, which is what ranks it against the dashboard's processes.
   Operators arrive at ``--spawn-rate`` per second; statistics are reset once all are there (steady state:
   50 operators all clicking in the same first second is a stampede no real team produces).
Prints p50/p95/p99 per page and the error count for each phase and round, and the p95 ratio B/A (the median
over rounds goes to ``--json``).
Targets: p95 < 300 ms and zero errors. Results (CSV + stdout) in bench/results/.
"""

from __future__ import annotations

import contextlib
import csv
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import _common  # noqa: E402

RESULTS = ROOT / "bench" / "results"
PY = sys.executable
PASSWORD = "load-test-password-" + secrets.token_hex(4)
#: CPU weight of the sync's session: nice 10 weighs 110 against 1024 (nice 0), near what cpu_shares 128 gives
#: the worker's container beside web's 1024 in docker-compose.yml
SYNC_AUTOGROUP_NICE = 10


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})
            urllib.request.urlopen(request, timeout=2)  # noqa: S310 - 127.0.0.1 only
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer")


def run(cmd: list[str], env: dict, what: str) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=env, check=True)
    took = time.perf_counter() - started
    print(f"  {what}: {took:.1f} s", flush=True)
    return took


def stats(prefix: Path) -> dict[str, dict]:
    rows = {}
    with open(f"{prefix}_stats.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            rows[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "p50": float(row["50%"] or 0),
                "p95": float(row["95%"] or 0),
                "p99": float(row["99%"] or 0),
                "rps": float(row["Requests/s"] or 0),
            }
    return rows


def main() -> None:
    parser = _common.parser(__doc__, sims=100_000, fleets=200)
    parser.set_defaults(
        redis_url="redis://127.0.0.1:6379/12",  # cache, sessions and sync lock as in production (emptied)
        database_url=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--rounds", type=int, default=2, help="rounds of both phases, order alternating")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers of the dashboard")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--think", default="0.5,1.5", help="seconds between two clicks of a user: min,max")
    parser.add_argument("--spawn-rate", type=float, default=10, help="operators arriving per second")
    parser.add_argument("--tag", default="", help="suffix of the result files")
    args = parser.parse_args()
    figures = _common.Figures()

    parts = urlsplit(args.database_url)
    assert parts.scheme.startswith("postgres"), "PostgreSQL only (--database-url)"
    assert parts.hostname in ("127.0.0.1", "localhost"), "local PostgreSQL only"
    db_name = _common.db_name(args, "load")
    db_url = urlunsplit((parts.scheme, parts.netloc, f"/{db_name}", "", ""))
    admin_url = urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))
    import psycopg

    with psycopg.connect(admin_url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db_name}"')
    RESULTS.mkdir(parents=True, exist_ok=True)
    api_port, web_port = _common.port(args), _common.port(args)
    api = f"http://127.0.0.1:{api_port}/sandbox"
    base_env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "SUPERSIM_IGNORE_DOTENV": "1",
        "REDIS_URL": args.redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "true",  # the sync runs in its own process (manage.py sync), no worker
        "LOG_LEVEL": "WARNING",
        "SUPERSIM_API_BASE_URL": api,
        "TWILIO_ACCOUNT_SID": "AC00000000000000000000000000000000",
        "TWILIO_AUTH_TOKEN": "sandbox-auth-token",
    }
    if args.redis_url:
        import redis

        redis.Redis.from_url(args.redis_url).flushdb()
    procs: list[subprocess.Popen] = []
    logs = []
    sandbox_dir = tempfile.mkdtemp(prefix="bench_load_sandbox_")
    try:
        print(f"database {db_name}; {args.sims:,} SIMs; {os.cpu_count()} CPUs", flush=True)
        run([PY, "manage.py", "migrate", "--noinput", "-v0"], base_env, "migrate")
        # the API (the sandbox): its own database and its own gunicorn, as Twilio's would be elsewhere
        sandbox_env = base_env | {"DATABASE_URL": f"sqlite:///{sandbox_dir}/sandbox.sqlite3", "REDIS_URL": ""}
        run([PY, "manage.py", "migrate", "--noinput", "-v0"], sandbox_env, "migrate the sandbox's database")
        seed = ["sandbox_seed", "--sims", str(args.sims), "--fleets", str(args.fleets), "--seed", "1"]
        run([PY, "manage.py", *seed], sandbox_env, "seed the sandbox")
        log = open(RESULTS / "load-sandbox.log", "w")  # noqa: SIM115
        logs.append(log)
        procs.append(
            subprocess.Popen(
                # SCHED_IDLE: it stands in for Twilio's servers, whose CPU is not on the dashboard's host.
                # It runs on what the dashboard leaves, and the kernel preempts it as soon as a dashboard
                # thread wakes up (after each of its database queries); a nice 19 process is not always
                # preempted on a wakeup. Measured side by side: phase B p95 580 ms at nice 19, 400 at idle.
                ["chrt", "--idle", "0", PY, "-m", "gunicorn", "supersim_admin.wsgi:application"]
                + [
                    "-b",
                    f"127.0.0.1:{api_port}",
                    "-w",
                    "2",
                    "-k",
                    "gthread",
                    "--threads",
                    "4",
                    "--timeout",
                    "120",
                ],
                cwd=ROOT,
                env=sandbox_env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        wait_http(f"{api}/v1/Sims")
        run(
            [PY, "manage.py", "sync", "fleets", "naps", "networks", "sims", "--no-progress"],
            base_env | {"SUPERSIM_PAGE_SIZE": "1000"},
            "first full sync into the product tables",
        )
        prod_env = base_env | {
            "PRODUCTION": "true",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "true",
            "SANDBOX_ENABLED": "false",
        }
        code = (
            "import django; django.setup()\n"
            "from django.contrib.auth.models import Group, User\n"
            "from apps.sims.models import Sim\n"
            "from apps.fleets.models import Fleet\n"
            f"u = User.objects.create_user('loadop', password='{PASSWORD}')\n"
            "u.groups.add(Group.objects.get(name='operator'))\n"
            "from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY\n"
            "from django.contrib.sessions.backends.db import SessionStore\n"
            "keys = []\n"
            f"for _ in range({args.users}):\n"
            "    s = SessionStore()\n"
            "    s[SESSION_KEY] = str(u.pk)\n"
            "    s[BACKEND_SESSION_KEY] = 'django.contrib.auth.backends.ModelBackend'\n"
            "    s[HASH_SESSION_KEY] = u.get_session_auth_hash()\n"
            "    s.create()\n"
            "    keys.append(s.session_key)\n"
            f"open('{RESULTS}/sessions.txt','w').write('\\n'.join(keys))\n"
            "print(Sim.objects.count())\n"
            f"open('{RESULTS}/sids.txt','w').write('\\n'.join(Sim.objects.order_by('?').values_list('sid', flat=True)[:5000]))\n"
            f"open('{RESULTS}/fleets.txt','w').write('\\n'.join(Fleet.objects.values_list('sid', flat=True)))\n"
        )
        out = subprocess.run(
            [PY, "-c", code],
            cwd=ROOT,
            env=prod_env | {"DJANGO_SETTINGS_MODULE": "supersim_admin.settings"},  # its SECRET_KEY
            check=True,
            capture_output=True,
            text=True,
        )
        print(f"  local SIMs: {int(out.stdout.split()[-1]):,}", flush=True)

        run([PY, "manage.py", "collectstatic", "--noinput", "-v0"], prod_env, "collectstatic")
        log = open(RESULTS / "load-dashboard.log", "w")  # noqa: SIM115
        logs.append(log)
        procs.append(
            subprocess.Popen(
                [PY, "-m", "gunicorn", "supersim_admin.wsgi:application", "-b", f"127.0.0.1:{web_port}"]
                + ["-w", str(args.workers), "-k", "gthread", "--threads", str(args.threads)]
                + ["--timeout", "60", "--forwarded-allow-ips", "127.0.0.1"],
                cwd=ROOT,
                env=prod_env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        wait_http(f"http://127.0.0.1:{web_port}/health/")

        locust_env = base_env | {
            "LOAD_USER": "loadop",
            "LOAD_PASSWORD": PASSWORD,
            "LOAD_SIDS": str(RESULTS / "sids.txt"),
            "LOAD_FLEETS": str(RESULTS / "fleets.txt"),
            "LOAD_SESSIONS": str(RESULTS / "sessions.txt"),
            "LOAD_THINK": args.think,
        }
        for path in ("/", "/sims/", "/fleets/", "/sync/", "/audit/", "/health/"):  # warm every worker up
            for _ in range(args.workers * 2):
                wait_http(f"http://127.0.0.1:{web_port}{path}")

        def phase(name: str) -> dict[str, dict]:
            prefix = RESULTS / f"load-{name}"
            subprocess.run(
                [PY, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless"]
                + ["-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{args.seconds}s"]
                + ["--reset-stats"]  # steady state: the ramp-up (users arriving) is not counted
                + ["--host", f"http://127.0.0.1:{web_port}", "--csv", str(prefix), "--only-summary"]
                + ["--loglevel", "WARNING"],
                cwd=ROOT,
                env=locust_env,
                check=False,
            )
            return stats(prefix)

        def alone_phase(tag: str) -> dict[str, dict]:
            print(f"\nphase A{tag}: {args.users} operators, {args.seconds} s, no sync", flush=True)
            return phase(f"alone{tag}")

        def sync_phase(tag: str) -> tuple[dict[str, dict], int]:
            print(f"\nphase B{tag}: the same while a full sync of {args.sims:,} SIMs runs", flush=True)
            sync_log = open(RESULTS / f"load-sync{tag}.log", "w")  # noqa: SIM115
            logs.append(sync_log)
            # a full pass, again and again, at the worker's priority in docker-compose.yml (nice 10)
            loop = f"while true; do nice -n 10 {PY} manage.py sync sims --no-progress; done"
            syncer = subprocess.Popen(
                ["bash", "-c", loop],
                cwd=ROOT,
                env=base_env | {"SUPERSIM_PAGE_SIZE": "1000"},
                stdout=sync_log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            # Its own session is its own autogroup (sched_autogroup_enabled): the processes of a session
            # share one CPU weight against the others', whatever their nice. Niced like that, the session
            # weighs what the worker's container weighs in docker-compose.yml (cpu_shares) beside web's.
            with contextlib.suppress(OSError):  # no autogroup scheduling on this kernel: the nice stands
                Path(f"/proc/{syncer.pid}/autogroup").write_text(str(SYNC_AUTOGROUP_NICE))
            try:
                result = phase(f"with-sync{tag}")
            finally:
                os.killpg(syncer.pid, signal.SIGTERM)
                syncer.wait(timeout=30)
            sync_log.flush()
            return result, Path(sync_log.name).read_text().count("succeeded")

        rounds = []
        for i in range(args.rounds):
            tag = f"{args.tag}-r{i + 1}"
            if i % 2 == 0:  # A B, then B A, ...
                alone = alone_phase(tag)
                with_sync, passes = sync_phase(tag)
            else:
                with_sync, passes = sync_phase(tag)
                alone = alone_phase(tag)
            report(alone, with_sync, args, passes, tag=tag, order="A B" if i % 2 == 0 else "B A")
            rounds.append((alone, with_sync, passes))
        for name in rounds[0][0]:
            for label, index in (("alone", 0), ("with sync", 1)):
                values = [r[index][name] for r in rounds if name in r[index]]
                if not values:
                    continue
                key = "all pages" if name == "Aggregated" else name
                figures[f"{key} p95 ms {label}"] = statistics.median(v["p95"] for v in values)
                figures[f"{key} p50 ms {label}"] = statistics.median(v["p50"] for v in values)
                figures[f"{key} errors {label}"] = sum(v["failures"] for v in values)
            ratios = [r[1][name]["p95"] / r[0][name]["p95"] for r in rounds if r[0].get(name, {}).get("p95")]
            if ratios:
                figures[f"{'all pages' if name == 'Aggregated' else name} p95 with sync / alone"] = (
                    statistics.median(ratios)
                )
        figures["sims"], figures["users"], figures["rounds"] = args.sims, args.users, args.rounds
        figures["sync passes"] = sum(r[2] for r in rounds)
        figures.write(args.json)
    finally:
        for proc in procs:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        for log in logs:
            log.close()
        with psycopg.connect(admin_url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        shutil.rmtree(ROOT / "staticfiles", ignore_errors=True)
        shutil.rmtree(sandbox_dir, ignore_errors=True)


def report(alone: dict, with_sync: dict, args, passes: int, *, tag: str, order: str) -> None:
    lines = [
        f"round {tag} (order {order}), load average {_common.load_average()}; {args.users} operators, {args.seconds} s per phase, {args.sims:,} SIMs, {os.cpu_count()} CPUs, "
        f"gunicorn {args.workers}x{args.threads} (production settings), think time {args.think} s, "
        f"Redis {'on' if args.redis_url else 'off'}; "
        f"sync passes in phase B: {passes}",
        "",
        f"{'page':32} | {'A: n':>6} {'err':>4} {'p50':>5} {'p95':>5} {'p99':>5} | "
        f"{'B: n':>6} {'err':>4} {'p50':>5} {'p95':>5} {'p99':>5} | {'p95 B/A':>7}",
    ]
    names = [n for n in alone if n != "Aggregated"] + ["Aggregated"]
    for name in names:
        a, b = alone.get(name), with_sync.get(name)
        if a is None or b is None:
            continue
        ratio = b["p95"] / a["p95"] if a["p95"] else float("nan")
        lines.append(
            f"{name:32} | {a['requests']:6} {a['failures']:4} {a['p50']:5.0f} {a['p95']:5.0f} {a['p99']:5.0f} | "
            f"{b['requests']:6} {b['failures']:4} {b['p50']:5.0f} {b['p95']:5.0f} {b['p99']:5.0f} | {ratio:7.2f}"
        )
    lines.append("(times in ms; target p95 < 300 ms, zero errors)")
    text = "\n".join(lines)
    print("\n" + text)
    (RESULTS / f"load-report{tag}.txt").write_text(text + "\n")


if __name__ == "__main__":
    main()
