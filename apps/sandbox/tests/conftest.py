"""Fixtures for the sandbox tests: a seeded sandbox over real HTTP, a schema checker, a callback receiver."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
import requests
from openapi_schema_validator import OAS30Validator, oas30_format_checker

SPEC_DIR = Path(__file__).resolve().parent.parent / "spec"
SPECS = {
    "twilio": json.loads((SPEC_DIR / "twilio_supersim_v1.json").read_text()),
    "kore": json.loads((SPEC_DIR / "kore_supersim_v1.json").read_text()),
}
SPEC = SPECS["twilio"]


def _inline(node, spec):
    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            rest = {k: v for k, v in node.items() if k != "$ref"}
            return {**_inline(spec["components"]["schemas"][name], spec), **_inline(rest, spec)}
        return {k: _inline(v, spec) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(v, spec) for v in node]
    return node


def _template_regex(template: str) -> re.Pattern:
    return re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$")


TEMPLATES = [(t, _template_regex(t)) for t in SPEC["paths"]]
assert set(SPECS["kore"]["paths"]) == set(SPEC["paths"])  # the same 31 operations on the same paths


def check_response(resp: requests.Response, provider: str = "twilio") -> dict | None:
    """Validate a sandbox response against ``provider``'s spec file: the schema for its path, method and
    status, and every property of the resource present (null where unknown)."""
    spec = SPECS[provider]
    path = "/" + resp.request.path_url.split("/sandbox/", 1)[1].split("?")[0]
    template = next(t for t, rx in TEMPLATES if rx.match(path))
    op = spec["paths"][template][resp.request.method.lower()]
    assert str(resp.status_code) in op["responses"], (template, resp.status_code, resp.text)
    if resp.status_code == 204:
        assert resp.content == b""
        return None
    schema = _inline(op["responses"][str(resp.status_code)]["content"]["application/json"]["schema"], spec)
    body = resp.json()
    OAS30Validator(schema, format_checker=oas30_format_checker).validate(body)
    # every property of the resource is present (null where unknown)
    if "meta" in body:
        key = body["meta"]["key"]
        assert set(body["meta"]) == set(schema["properties"]["meta"]["properties"])
        item_props = set(schema["properties"][key]["items"]["properties"])
        for item in body[key]:
            assert set(item) == item_props, (template, set(item) ^ item_props)
    else:
        assert set(body) == set(schema["properties"]), (template, set(body) ^ set(schema["properties"]))
    return body


@pytest.fixture
def sandbox(live_server, settings):
    """A small seeded sandbox; returns an object with ``base`` (…/sandbox) and an authenticated ``http``."""
    from apps.sandbox.seed import seed

    settings.SANDBOX_SCHEDULE_DELAY_SECONDS = 0
    settings.SANDBOX_DISPATCHER_ENABLED = False
    from apps.sandbox import guard

    guard.invalidate()
    seed(sims=40, fleets=4, seed=3, inventory=10)

    class Sandbox:
        base = f"{live_server.url}/sandbox"
        http = requests.Session()

        def url(self, path: str) -> str:
            return self.base + path

        def get(self, path, **kw):
            return self.http.get(self.url(path), **kw)

        def post(self, path, data=None, **kw):
            return self.http.post(self.url(path), data=data, **kw)

    sb = Sandbox()
    sb.http.auth = (settings.SANDBOX_ACCOUNT_SID, settings.SANDBOX_AUTH_TOKEN)
    return sb


def as_kore(sb, settings) -> None:
    """Switch the sandbox ``sb`` to KORE mode: its session then authenticates with a bearer token."""
    settings.SANDBOX_PROVIDER = "kore"
    token = requests.post(
        sb.url("/api-services/v1/auth/token"),
        data={
            "grant_type": "client_credentials",
            "client_id": settings.SANDBOX_KORE_CLIENT_ID,
            "client_secret": settings.SANDBOX_KORE_CLIENT_SECRET,
        },
        timeout=10,
    ).json()["access_token"]
    sb.http.auth = None
    sb.http.headers["Authorization"] = f"Bearer {token}"


class _Receiver(BaseHTTPRequestHandler):
    received: list

    def _record(self, body: bytes):
        self.server.received.append(
            {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body.decode()}
        )
        self.send_response(200)
        self.end_headers()

    def do_POST(self):  # noqa: N802
        self._record(self.rfile.read(int(self.headers.get("Content-Length", 0))))

    def do_GET(self):  # noqa: N802
        self._record(b"")

    def log_message(self, *args):
        pass


@pytest.fixture
def callback_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    server.params = lambda i: dict(parse_qsl(server.received[i]["body"], keep_blank_values=True))
    yield server
    server.shutdown()
    server.server_close()
