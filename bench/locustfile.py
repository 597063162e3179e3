"""Locust users for bench/load.py: operators browsing, filtering and changing SIMs.

Not meant to be run alone (bench/load.py starts everything), but works against any dashboard:
``LOAD_USER=... LOAD_PASSWORD=... LOAD_SIDS=sids.txt LOAD_FLEETS=fleets.txt locust -f bench/locustfile.py``.
The dashboard runs with the production settings (secure cookies, HSTS, SSL redirect) behind a pretend TLS
proxy: each request says ``X-Forwarded-Proto: https`` and cookies are sent by hand (a cookie jar will not
send ``Secure`` cookies over plain http).
"""

from __future__ import annotations

import os
import random
import re
import uuid
from pathlib import Path

from locust import HttpUser, between, task

USER = os.environ.get("LOAD_USER", "loadop")
PASSWORD = os.environ.get("LOAD_PASSWORD", "")
SIDS = Path(os.environ.get("LOAD_SIDS", "sids.txt")).read_text().split()
FLEETS = Path(os.environ.get("LOAD_FLEETS", "fleets.txt")).read_text().split()
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
#: signed-in sessions prepared by bench/load.py (one per user): the load is browsing, not password hashing
SESSIONS = Path(os.environ["LOAD_SESSIONS"]).read_text().split() if os.environ.get("LOAD_SESSIONS") else []
_next_session = iter(SESSIONS)
THINK = tuple(float(x) for x in os.environ.get("LOAD_THINK", "0.5,1.5").split(","))


class Operator(HttpUser):
    wait_time = between(*THINK)  # think time between two clicks

    def on_start(self) -> None:
        origin = self.host.replace("http://", "https://")
        self.client.headers.update({"X-Forwarded-Proto": "https", "Origin": origin, "Referer": origin + "/"})
        session = next(_next_session, None)
        if session is not None:
            csrf = uuid.uuid4().hex  # a 32-character CSRF secret, sent as cookie and header
            self.client.headers["Cookie"] = f"csrftoken={csrf}; sessionid={session}"
            self.client.headers["X-CSRFToken"] = csrf
            return
        page = self.client.get("/accounts/login/", name="login")
        csrf = page.cookies.get("csrftoken", "")
        token = CSRF_INPUT.search(page.text).group(1)
        self.client.headers["Cookie"] = f"csrftoken={csrf}"
        done = self.client.post(
            "/accounts/login/",
            {"username": USER, "password": PASSWORD, "csrfmiddlewaretoken": token},
            name="login",
            allow_redirects=False,
        )
        session = done.cookies.get("sessionid", "")
        csrf = done.cookies.get("csrftoken", csrf)
        self.client.headers["Cookie"] = f"csrftoken={csrf}; sessionid={session}"
        self.client.headers["X-CSRFToken"] = csrf
        if done.status_code != 302 or not session:
            raise RuntimeError(f"login failed: {done.status_code}")

    @task(2)
    def home(self):
        self.client.get("/", name="home")

    @task(4)
    def sim_list(self):
        self.client.get("/sims/", name="sims list")

    @task(3)
    def sim_list_filtered(self):
        status = random.choice(["active", "inactive", "ready", "new"])
        self.client.get(
            f"/sims/?status={status}&fleet={random.choice(FLEETS)}",
            name="sims list filtered (htmx)",
            headers={"HX-Request": "true", "HX-Target": "object-list"},
        )

    @task(2)
    def sim_search(self):
        sid = random.choice(SIDS)
        self.client.get(f"/sims/?q={sid}", name="sims search")

    @task(3)
    def sim_detail(self):
        self.client.get(f"/sims/{random.choice(SIDS)}/", name="sim detail")

    @task(1)
    def fleets(self):
        self.client.get("/fleets/", name="fleets list")

    @task(1)
    def sync_page(self):
        self.client.get("/sync/", name="sync list")

    @task(1)
    def audit(self):
        self.client.get("/audit/", name="audit list")

    @task(1)
    def rename(self):
        """A change: the API is called (the sandbox), the row updated from its answer, an audit entry."""
        sid = random.choice(SIDS)
        with self.client.post(
            f"/sims/{sid}/rename/",
            {"unique_name": f"load-{uuid.uuid4().hex[:12]}"},
            name="sim rename (POST)",
            headers={"HX-Request": "true"},
            catch_response=True,
        ) as response:
            if response.status_code >= 400:
                response.failure(f"{response.status_code}: {response.text[:200]}")
