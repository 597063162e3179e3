"""Secrets: read from ``*_FILE`` paths; never in a page, a log line or the audit log."""

from __future__ import annotations

import base64
import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import HOSTILE, REGISTRATION_CODE, SECRET_TOKEN
from django.core.management import call_command

from apps.audit.models import AuditEvent
from apps.audit.services import audit_record, scrub
from apps.supersim.client import SuperSimClient, get_client
from apps.supersim.errors import SuperSimError

BASE_DIR = Path(__file__).resolve().parent.parent


def test_secrets_are_read_from_file_paths(tmp_path):
    files = {}
    for name, value in {
        "SECRET_KEY": "k" * 30 + "-from-a-file-0123456789-abcdefghij",
        "TWILIO_AUTH_TOKEN": "token-from-a-file",
        "KORE_CLIENT_SECRET": "kore-secret-from-a-file",
        "KORE_WEBHOOK_SECRET": "hook-secret-from-a-file",
        "REDIS_URL": "redis://127.0.0.1:6379/9",
    }.items():
        path = tmp_path / name.lower()
        path.write_text(value + "\n", encoding="utf-8")  # a trailing newline, as `echo` writes it
        files[name] = (str(path), value)
    env = {k: v for k, v in os.environ.items() if k not in files and k not in ("DATABASE_URL",)}
    env.update({f"{name}_FILE": path for name, (path, _) in files.items()})
    env.update(PRODUCTION="true", ALLOWED_HOSTS="admin.example.com", SUPERSIM_IGNORE_DOTENV="1")
    env["TWILIO_AUTH_TOKEN"] = "from-the-environment-but-the-file-wins"
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {list(files)!r}}}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=env | {"DJANGO_SETTINGS_MODULE": "supersim_admin.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {n: v for n, (_, v) in files.items()}


def test_audit_scrubber_drops_credentials_by_key_and_by_value(settings):
    settings.TWILIO_AUTH_TOKEN = SECRET_TOKEN
    data = {
        "unique_name": "ok",
        "Password": "p",
        "registration_code": REGISTRATION_CODE,
        "RegistrationCode": REGISTRATION_CODE,
        "nested": [{"auth_token": "t", "api_key": "k", "x": f"Basic {SECRET_TOKEN}"}],
        "headers": {"Authorization": "Bearer abc", "Cookie": "sessionid=abc"},
    }
    clean = scrub(data)
    text = json.dumps(clean)
    assert clean["unique_name"] == "ok"
    for secret in (SECRET_TOKEN, REGISTRATION_CODE, "Bearer abc", "sessionid=abc", '"p"'):
        assert secret not in text


@pytest.mark.django_db
def test_audit_entries_never_store_a_secret(settings, admin_member):
    settings.TWILIO_AUTH_TOKEN = SECRET_TOKEN
    audit_record(
        action="sim.register",
        user=admin_member,
        object_type="sim",
        object_id="HS1",
        before={"registration_code": REGISTRATION_CODE},
        after={"status": "new"},
        api_response={"error": f"https://ACxx:{SECRET_TOKEN}@api/ refused"},
        message=f"client error: token {SECRET_TOKEN} rejected",
    )
    stored = AuditEvent.objects.values().get()
    dump = json.dumps(stored, default=str)
    assert SECRET_TOKEN not in dump and REGISTRATION_CODE not in dump
    assert stored["after"] == {"status": "new"}


@pytest.mark.django_db
def test_no_page_shows_a_secret_or_unescaped_html(admin_client_, site):
    for url in site.pages:
        response = admin_client_.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert SECRET_TOKEN not in body, url
        assert REGISTRATION_CODE not in body, url
        assert HOSTILE not in body, url  # every user-typed name is escaped
        assert "<script>alert" not in body and "<img src=x" not in body, url


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("mode", ["basic", "kore"])
def test_client_logs_never_show_the_credentials(sandbox_api, settings, caplog, mode):
    """Everything the client (and requests/urllib3 under it) logs at DEBUG, on success, retries and errors."""
    call_command("sandbox_seed", sims=3, fleets=1, seed=3, stdout=io.StringIO())
    settings.SUPERSIM_RETRY_BACKOFF = settings.SUPERSIM_RETRY_BACKOFF_MAX = 0.01
    secrets = [settings.SANDBOX_AUTH_TOKEN]
    if mode == "kore":
        settings.SUPERSIM_AUTH_MODE = "kore"
        settings.KORE_TOKEN_URL = f"{sandbox_api}/oauth2/token"
        settings.KORE_CLIENT_ID = settings.SANDBOX_KORE_CLIENT_ID
        settings.KORE_CLIENT_SECRET = settings.SANDBOX_KORE_CLIENT_SECRET
        secrets.append(settings.SANDBOX_KORE_CLIENT_SECRET)
    basic = f"{settings.TWILIO_ACCOUNT_SID}:{settings.SANDBOX_AUTH_TOKEN}".encode()
    secrets.append(base64.b64encode(basic).decode())
    errors = []
    with caplog.at_level(logging.DEBUG):
        client = get_client()
        assert len(client.sims_list()) == 3
        if mode == "kore":
            secrets.append(client.bearer_token())
        try:
            client.fetch("Sims/HS" + "0" * 32)  # 404
        except SuperSimError as exc:
            errors.append(exc)
        wrong = SuperSimClient(client.config.__class__(**{**client.config.__dict__, "password": "wrong"}))
        try:
            wrong.sims_list()  # 401 (basic) / a token from the right credentials anyway (kore)
        except SuperSimError as exc:
            errors.append(exc)
    shown = caplog.text + "".join(
        f"{e!s} {e!r} {json.dumps(getattr(e, '__dict__', {}), default=str)}" for e in errors
    )
    assert errors, "the failing calls must have failed"
    assert "Authorization" not in shown
    for secret in secrets:
        assert secret not in shown
