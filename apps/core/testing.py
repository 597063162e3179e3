"""Shared pytest fixtures and helpers (loaded for every test via ``-p apps.core.testing``).

Tiers: 1 = SQLite + eager tasks; 2 = PostgreSQL + Redis + a real Celery worker (tests marked ``worker``);
3 = headless Chromium through Playwright (tests marked ``browser``). With ``SUPERSIM_REQUIRE_ALL_TIERS=1``
(set by .ci/run) a missing service fails the test instead of skipping it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.shortcuts import resolve_url

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
REQUIRE_ALL_TIERS = os.environ.get("SUPERSIM_REQUIRE_ALL_TIERS", "") not in ("", "0", "false")
BASE_DIR = Path(__file__).resolve().parent.parent.parent
RESULTS_DIR = BASE_DIR / "test-results"
#: the pytest-xdist worker running this process ("gw0", "gw1", ...), or "" when the run is not split
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _redis_url_of_this_worker(url: str, worker: str) -> str:
    """``url`` with its database number moved by the xdist worker's index (``redis://h:6379/14`` for gw1 ->
    ``/15``, modulo Redis's 16 databases), so that split test processes share no broker queue, lock or cache
    (each already has its own test database: pytest-django suffixes its name with the worker id)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(base + int(worker[2:])) % 16}"))


if XDIST_WORKER and os.environ.get("REDIS_URL"):
    # before Django reads its settings: this plugin is imported (``-p``) ahead of pytest-django's setup
    os.environ["REDIS_URL"] = _redis_url_of_this_worker(os.environ["REDIS_URL"], XDIST_WORKER)


def missing(reason: str):
    """Skip (on a laptop without the service) or fail (in CI, where every tier must run)."""
    if REQUIRE_ALL_TIERS:
        pytest.fail(f"required tier cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


# --- every URL pattern (the authorization walks in tests/) --------------------------------------------
#: namespaces with their own authentication: Django admin (staff login), the sandbox (API credentials),
#: webhooks (signatures), the REST API (tokens: 401 problem+json, not a login redirect; one URL serves
#: several roles by method); each has its own tests (the API's: apps/api/tests)
OWN_AUTH_NAMESPACES = {"admin", "sandbox", "webhooks", "api"}
#: pages anyone may open
PUBLIC_URL_NAMES = {
    "accounts:login",
    "accounts:login_code",
    "accounts:sso_callback",
    "accounts:sso_login",
    "core:health",
}
_SAMPLE_ARGS = {
    "int": "987654",
    "str": "XX00000000000000000000000000000000",
    "slug": "no-such-thing",
    "uuid": "00000000-0000-0000-0000-000000000000",
    "path": "no/such/path",
}


def _route_to_url(route: str) -> str:
    import re

    url = re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: _SAMPLE_ARGS.get(m.group(1) or "str", "x"), route)
    return "/" + url.lstrip("^").rstrip("$").replace("\\", "")


def walk_urls(patterns=None, prefix: str = "", namespace: str = ""):
    """``(name, url with sample arguments, view callback)`` of every URL outside OWN_AUTH_NAMESPACES."""
    from django.urls import URLPattern, URLResolver, get_resolver

    for p in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or namespace
            if ns in OWN_AUTH_NAMESPACES:
                continue
            yield from walk_urls(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace else (p.name or "")
            yield name, _route_to_url(prefix + str(p.pattern)), p.callback


# --- users ------------------------------------------------------------------------------------------------
PASSWORD = "correct-horse-battery-staple"


def make_user(username: str, role: str | None):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def viewer(db):
    return make_user("viewer1", "viewer")


@pytest.fixture
def operator(db):
    return make_user("operator1", "operator")


@pytest.fixture
def admin_member(db):
    """A member of the ``admin`` group (pytest-django's own ``admin_user`` is a superuser)."""
    return make_user("admin1", "admin")


@pytest.fixture
def viewer_client(client, viewer):
    client.force_login(viewer)
    return client


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


@pytest.fixture
def admin_client_(client, admin_member):
    client.force_login(admin_member)
    return client


# --- the sandbox over real HTTP ---------------------------------------------------------------------------
#: where the API client points in tests that did not ask for the sandbox: a closed local port, so no test can
#: ever reach the real Twilio/KORE API (the default of SUPERSIM_API_BASE_URL)
UNROUTABLE_API = "http://127.0.0.1:9"


@pytest.fixture(autouse=True)
def _no_real_api(settings):
    settings.SUPERSIM_API_BASE_URL = UNROUTABLE_API
    settings.KORE_TOKEN_URL = UNROUTABLE_API + "/token"


#: the providers the sandbox plays (``SANDBOX_PROVIDER``); a test marked ``providers`` runs once per each
PROVIDERS = ("twilio", "kore")


def pytest_generate_tests(metafunc):
    """A test marked ``@pytest.mark.providers`` that uses the sandbox (``sandbox_api``, ``synced``, ...) runs
    once against the sandbox as Twilio and once as KORE (ids ``[twilio]`` / ``[kore]``)."""
    if metafunc.definition.get_closest_marker("providers") and "sandbox_provider" in metafunc.fixturenames:
        metafunc.parametrize("sandbox_provider", PROVIDERS, indirect=True, ids=PROVIDERS)


@pytest.fixture
def sandbox_provider(request) -> str:
    """Whose API the sandbox plays in this test: ``"twilio"`` unless the test is marked ``providers``."""
    return getattr(request, "param", "twilio")


@pytest.fixture
def sandbox_api(live_server, settings, sandbox_provider):
    """Point the product's client at the sandbox served by ``live_server``, configured as a user of that
    provider would configure it; returns the base URL.

    ``twilio``: HTTP Basic with the sandbox's account SID + auth token, webhooks checked with
    ``X-Twilio-Signature``. ``kore``: the sandbox plays KORE (``SANDBOX_PROVIDER=kore``: bearer tokens only,
    KORE's PageSize caps, KORE-signed callbacks) and the dashboard is configured for KORE
    (``SUPERSIM_AUTH_MODE=kore``, OAuth2 client credentials against the sandbox's token endpoint,
    ``WEBHOOK_SIGNATURE_SCHEME=kore`` with the sandbox's webhook secret).
    """
    from apps.supersim.client import clear_token_cache

    base = f"{live_server.url}/sandbox"
    settings.SANDBOX_PROVIDER = sandbox_provider
    settings.SUPERSIM_API_BASE_URL = base
    settings.TWILIO_API_KEY = ""
    settings.TWILIO_API_SECRET = ""
    clear_token_cache()
    if sandbox_provider == "kore":
        settings.SUPERSIM_AUTH_MODE = "kore"
        settings.KORE_TOKEN_URL = f"{base}/api-services/v1/auth/token"
        settings.KORE_CLIENT_ID = settings.SANDBOX_KORE_CLIENT_ID
        settings.KORE_CLIENT_SECRET = settings.SANDBOX_KORE_CLIENT_SECRET
        settings.WEBHOOK_SIGNATURE_SCHEME = "kore"
        settings.KORE_WEBHOOK_SECRET = settings.SANDBOX_KORE_WEBHOOK_SECRET
        settings.TWILIO_ACCOUNT_SID = ""
        settings.TWILIO_AUTH_TOKEN = ""
    else:
        settings.SUPERSIM_AUTH_MODE = "basic"
        settings.TWILIO_ACCOUNT_SID = settings.SANDBOX_ACCOUNT_SID
        settings.TWILIO_AUTH_TOKEN = settings.SANDBOX_AUTH_TOKEN
    yield base
    clear_token_cache()


@pytest.fixture(autouse=True)
def _fresh_data_versions():
    """Cached answers keyed by a data version (apps.core.cache) start fresh in each test: a rolled-back
    test database must not meet the answer a previous test cached."""
    from apps.core.cache import data_changed
    from apps.savedviews.selectors import saved_views_changed
    from apps.sims.selectors import SIMS_DATA

    data_changed(SIMS_DATA)
    saved_views_changed()


@pytest.fixture(autouse=True)
def _jobs_in_process(settings):
    """Jobs run synchronously in tests (no background thread) unless a test asks otherwise."""
    settings.JOBS_RUN_IN_THREAD = False


#: what ``synced`` brings into the local tables
SYNCED_RESOURCES = ["networks", "naps", "nap_networks", "fleets", "sims"]


@pytest.fixture
def synced(sandbox_api, settings):
    """The sandbox over real HTTP (30 SIMs, 3 fleets), brought into the local tables by the sync engine.

    Retries are fast, and the sandbox's delayed steps (SIM activation, command delivery) are due at once:
    every fetch applies them.
    """
    import io

    from django.core.management import call_command

    from apps.sync import services as sync_services

    settings.SUPERSIM_RETRY_BACKOFF = 0.01
    settings.SUPERSIM_RETRY_BACKOFF_MAX = 0.05
    settings.SUPERSIM_MAX_RETRIES = 2
    settings.SANDBOX_SCHEDULE_DELAY_SECONDS = 0
    call_command("sandbox_seed", sims=30, fleets=3, seed=7, inventory=2, stdout=io.StringIO())
    runs = sync_services.sync_all(runs=sync_services.runs_create(resources=SYNCED_RESOURCES))
    assert all(run.status == "succeeded" for run in runs), [(r.resource, r.status, r.error) for r in runs]
    return sandbox_api


@pytest.fixture
def admin_role_client(admin_client_):
    """A member of the ``admin`` group (not a superuser: permission checks run as in production)."""
    return admin_client_


# --- Celery: eager by default, a real worker for tests marked ``worker`` ------------------------------------
@pytest.fixture(autouse=True)
def _celery_mode(request):
    from supersim_admin.celery import app

    wants_worker = request.node.get_closest_marker("worker") is not None
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = not wants_worker
    yield
    app.conf.task_always_eager = previous


def _redis_ok(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001
        return False


def worker_env(
    *, api_base_url: str = UNROUTABLE_API, application_name: str = "supersim-test-worker", **extra: str
) -> dict[str, str]:
    """The environment of a Celery worker subprocess started by a test: the tests' own database (its
    connections tagged with ``application_name``, so a test can find them in ``pg_stat_activity``), real (not
    eager) tasks, the sandbox's credentials, and the API at ``api_base_url`` (never the real API)."""
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"postgres://{auth}@{host}/{db['NAME']}?application_name={application_name}",
        CELERY_TASK_ALWAYS_EAGER="false",
        SUPERSIM_IGNORE_DOTENV="1",
        SUPERSIM_API_BASE_URL=api_base_url,
        KORE_TOKEN_URL=UNROUTABLE_API + "/token",
        SUPERSIM_AUTH_MODE="basic",
        TWILIO_ACCOUNT_SID=settings.SANDBOX_ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=settings.SANDBOX_AUTH_TOKEN,
        TWILIO_API_KEY="",
        TWILIO_API_SECRET="",
    )
    env.update(extra)
    return env


def start_worker(*, name: str, env: dict[str, str], queue: str | None = None):
    """Start ``celery worker`` (solo pool) as a subprocess; returns ``(process, log file)`` — the log goes to
    ``test-results/celery-<name>.log``; the caller stops the process and closes the log."""
    RESULTS_DIR.mkdir(exist_ok=True)
    log = open(RESULTS_DIR / f"celery-{name}{XDIST_WORKER and '-' + XDIST_WORKER}.log", "w")  # noqa: SIM115 - closed by the caller
    cmd = [sys.executable, "-m", "celery", "-A", "supersim_admin", "worker", "-P", "solo", "-c", "1"]
    cmd += ["--without-gossip", "--without-mingle", "-l", "info", "-n", f"{name}-{os.getpid()}@%h"]
    if queue:
        cmd += ["-Q", queue]
    proc = subprocess.Popen(cmd, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    return proc, log


class WorkerProcess:
    """A Celery worker subprocess (:func:`start_worker`) listening on ``queue`` that a test may kill; the
    constructor returns once it answers a ping sent through ``app`` (default: the project's app; pass an app
    of your own to reach a worker on another broker)."""

    def __init__(self, *, name: str, env: dict[str, str], queue: str, app=None, ready_timeout: float = 60):
        from supersim_admin.celery import app as default_app

        self.app = app or default_app
        self.queue = queue
        self.proc, self.log = start_worker(name=name, env=env, queue=queue)
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            if self.ping(timeout=3):
                return
            time.sleep(0.3)
        self.stop()
        pytest.fail(f"the worker did not start; see {self.log.name}", pytrace=False)

    def ping(self, timeout: float = 3) -> bool:
        """True when the worker answers a ``core.ping`` task within ``timeout`` seconds."""
        try:
            result = self.app.send_task("core.ping", args=["ready"], queue=self.queue)
            return result.get(timeout=timeout) == "ready"
        except Exception:  # noqa: BLE001 - not up (yet), or the broker is away
            return False

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        assert self.proc.returncode == -signal.SIGKILL

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()


def sandbox_faults(base: str, **body) -> dict:
    """Set the sandbox's injected faults (``delay_ms``, ``rate_500``, ..., ``clear=True``) over HTTP; returns
    the faults now in force."""
    import requests

    auth = (settings.SANDBOX_ACCOUNT_SID, settings.SANDBOX_AUTH_TOKEN)
    response = requests.post(f"{base}/_control/faults", json=body, auth=auth, timeout=10)
    response.raise_for_status()
    return response.json()


def wait_for(check, timeout: float, what: str):
    """Poll ``check()`` every 0.1 s until it returns something truthy (returned); fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real ``celery worker`` subprocess on Redis, using the same (test) database as the tests."""
    redis_url = settings.REDIS_URL
    db = settings.DATABASES["default"]
    if not redis_url or not _redis_ok(redis_url):
        missing("tier 2 needs REDIS_URL pointing at a running Redis")
    if db["ENGINE"] == "django.db.backends.sqlite3":
        missing("tier 2 needs DATABASE_URL pointing at PostgreSQL")
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    proc, log = start_worker(name="worker", env=worker_env())
    from supersim_admin.celery import app, ping

    deadline = time.time() + 60
    ok = False
    while time.time() < deadline and proc.poll() is None:
        try:
            app.conf.task_always_eager = False
            ok = ping.apply_async(args=["ready"]).get(timeout=5) == "ready"
            break
        except Exception:  # noqa: BLE001
            time.sleep(0.5)
    if not ok:
        proc.kill()
        pytest.fail(f"the Celery worker did not start; see {log.name}", pytrace=False)
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


# --- the browser (Playwright driving Debian's Chromium) ---------------------------------------------------
@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        missing(f"tier 3 needs Chromium at {CHROMIUM} (apt-get install chromium)")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-quic",
                "--no-first-run",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, request):
    """A fresh browser page; console errors (CSP violations included) are collected in ``page.errors``."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    pg = context.new_page()
    pg.errors = []
    pg.on("console", lambda msg: pg.errors.append(msg.text) if msg.type == "error" else None)
    pg.on("pageerror", lambda exc: pg.errors.append(str(exc)))
    yield pg
    context.close()


@pytest.fixture
def output_dir(request) -> Path:
    """The test's own output folder, ``test-results/<test id>/`` (screenshots go here)."""
    name = request.node.nodeid.replace("/", "_").replace("::", "__").replace("[", "_").replace("]", "")
    path = RESULTS_DIR / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def browser_login(page, live_server, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def choose_typeahead(page, select_id: str, text: str, label: str | None = None) -> None:
    """Choose an option of a type-ahead select (``apps.core.widgets.TypeAheadSelect``, Tom Select) as a
    person does: type ``text`` into its combobox, wait for the server's option showing ``label`` (default
    ``text``), press Enter."""
    control = page.locator(f"#{select_id}-ts-control")
    control.focus()
    page.keyboard.type(text)
    option = page.locator(f"#{select_id}-ts-dropdown .option", has_text=label or text)
    option.first.wait_for()
    option.first.click()


# --- accessibility: axe-core in the browser tier ----------------------------------------------------------
#: axe-core, vendored from npm for the tests only (never served by the app): tests/fixtures/axe/README.md
AXE_JS = BASE_DIR / "tests" / "fixtures" / "axe" / "axe.min.js"
#: the rule sets every page must pass: WCAG 2.0 and 2.1, levels A and AA
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: axe's structure rules (tagged best-practice, not WCAG) that the pages must pass too: one main landmark, a
#: working skip link, an h1 and headings in order, landmarks with distinct names
AXE_EXTRA_RULES = [
    "landmark-one-main",
    "landmark-no-duplicate-main",
    "landmark-unique",
    "skip-link",
    "page-has-heading-one",
    "heading-order",
    "empty-heading",
]
#: rules switched off, each with its reason (none today: add one only with a written reason)
AXE_DISABLED_RULES: dict[str, str] = {}

_RUN_AXE = """async ([tags, extra, disabled]) => {
  // colours still fading (a theme switch, a toast coming in) would be measured half-way: wait until two
  // frames pass with no CSS transition running (a transition may start a frame after its class is set)
  // (each wait bounded: nothing the page does may hold axe for ever)
  const within = (promise, ms) => Promise.race([promise, new Promise((done) => setTimeout(done, ms))]);
  const frame = () => within(new Promise((done) => requestAnimationFrame(() => done())), 250);
  for (let i = 0; i < 50; i++) {
    await frame(); await frame();
    // only what is drawn: a transition inside a closed <details> (the saved views panel) never finishes
    const running = document.getAnimations().filter((a) => a instanceof CSSTransition
      && (!a.effect || !a.effect.target || a.effect.target.checkVisibility()));
    if (!running.length) break;
    await within(Promise.all(running.map((a) => a.finished.catch(() => null))), 2000);
  }
  const rules = Object.fromEntries([...extra.map((id) => [id, {enabled: true}]),
                                    ...disabled.map((id) => [id, {enabled: false}])]);
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, rules,
                                          resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({target: n.target.join(" "), summary: n.failureSummary})),
  }));
}"""


def axe_violations(page) -> list[dict]:
    """The page's axe-core violations of :data:`AXE_TAGS` and :data:`AXE_EXTRA_RULES` as ``[{id, impact,
    help, nodes: [{target, summary}]}]`` (empty when it passes), once CSS transitions have ended. axe is
    evaluated into the page through the DevTools protocol the first time (the page's CSP does not apply to
    it, and nothing is added to the DOM)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;undefined")
    return page.evaluate(_RUN_AXE, [AXE_TAGS, AXE_EXTRA_RULES, list(AXE_DISABLED_RULES)])


def format_violations(violations: list[dict], max_nodes: int = 5) -> str:
    """One line per violation (rule, impact, help) and one per offending node (selector and summary)."""
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}, {len(v['nodes'])} nodes): {v['help']}")
        for node in v["nodes"][:max_nodes]:
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"    {node['target']}: {summary[:300]}")
        if len(v["nodes"]) > max_nodes:
            lines.append(f"    ... and {len(v['nodes']) - max_nodes} more")
    return "\n".join(lines)


def assert_accessible(page, label: str = "") -> None:
    """Fail with every axe-core violation (WCAG 2.x A/AA) of what ``page`` shows now. Call it from any
    browser journey after a page or an htmx swap has settled; ``label`` names the state in the message."""
    violations = axe_violations(page)
    assert not violations, f"{label or page.url}: axe-core found\n{format_violations(violations)}"


# --- the shared view tests of a list page (NetBox's ViewTestCases) -------------------------------------
class ListViewTests:
    """The tests every list page (an ``apps.core.views.ObjectListView``) gets, in the spirit of NetBox's
    ``ViewTestCases.ListObjectsViewTestCase``. A test module of the app subclasses it as ``TestXxxList``:

        class TestFleetList(ListViewTests):
            url_name = "fleets:fleet_list"
            filter_query = "q=kept"

            def make_rows(self):  # (text of a row the filter keeps, text of a row it drops)
                FleetFactory(unique_name="kept"); FleetFactory(unique_name="dropped")
                return "kept", "dropped"

    and gets: anonymous -> login redirect; a user of ``role`` (viewer unless the page needs more) -> 200
    with both rows; the htmx request of the filter form / sort and page links (``HX-Target: object-list``)
    -> the table partial only; ``filter_query`` applied -> the kept row only. ``url_query`` is added to
    every request (e.g. ``kind=ip`` for one tab of a page)."""

    url_name: str = ""
    url_query: str = ""
    role: str = "viewer"
    filter_query: str = ""

    def make_rows(self) -> tuple[str, str]:
        raise NotImplementedError

    def _url(self, query: str = "") -> str:
        from django.urls import reverse

        parts = [q for q in (self.url_query, query) if q]
        return reverse(self.url_name) + ("?" + "&".join(parts) if parts else "")

    def _client(self, client):
        client.force_login(make_user(f"list-{self.role}", self.role))
        return client

    def test_anonymous_is_sent_to_login(self, client, db):
        response = client.get(self._url())
        assert response.status_code == 302
        assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))

    def test_the_role_sees_the_rows(self, client, db):
        kept, dropped = self.make_rows()
        response = self._client(client).get(self._url())
        assert response.status_code == 200
        page = response.content.decode()
        assert "<html" in page and 'id="object-list"' in page
        assert kept in page and dropped in page

    def test_htmx_gets_the_table_only(self, client, db):
        kept, _ = self.make_rows()
        response = self._client(client).get(self._url(), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="object-list")
        assert response.status_code == 200
        partial = response.content.decode()
        assert partial.lstrip().startswith('<div id="object-list"') and "<html" not in partial
        assert "<table" in partial and kept in partial
        assert "HX-Request" in response.get("Vary", "")

    def test_the_filter_applies(self, client, db):
        kept, dropped = self.make_rows()
        response = self._client(client).get(self._url(self.filter_query))
        assert response.status_code == 200
        page = response.content.decode()
        assert kept in page and dropped not in page
