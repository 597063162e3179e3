"""A real OpenID Connect provider for the SSO tests: node-oidc-provider (tests/fixtures/oidc_provider),
installed by ``npm ci`` from the committed lock on first use and started on a free local port."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

from apps.core.testing import BASE_DIR, missing

FIXTURE = BASE_DIR / "tests" / "fixtures" / "oidc_provider"
CLIENT_ID, CLIENT_SECRET = "supersim-dashboard", "test-client-secret-0123456789"
ROLE_MAP = {"dash-viewers": "viewer", "dash-ops": "operator", "dash-admins": "admin"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _install_once(npm: str) -> None:
    """``npm ci`` the provider unless installed; a file lock keeps split test processes from installing it
    into the same folder at once."""
    with open(FIXTURE / ".npm-ci.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (FIXTURE / "node_modules" / "oidc-provider").is_dir():
            return
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=FIXTURE, capture_output=True, text=True, timeout=600
        )
        if done.returncode != 0:
            pytest.fail(f"npm ci in {FIXTURE} failed: {done.stderr[-2000:]}")


class Provider:
    def __init__(self, issuer: str, accounts_file: Path, process: subprocess.Popen):
        self.issuer, self.accounts_file, self.process = issuer, accounts_file, process

    def set_accounts(self, accounts: dict) -> None:
        """``{login: {"email": ..., "groups": [...]}}``; read by the provider at every login."""
        self.accounts_file.write_text(json.dumps(accounts), encoding="utf-8")


def start_provider(*, redirect_uri: str, post_logout_redirect_uri: str, tmp_path: Path) -> Provider:
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        missing("node and npm are needed to run the test OpenID Connect provider")
    _install_once(npm)
    port = _free_port()
    accounts = tmp_path / "oidc-accounts.json"
    accounts.write_text("{}", encoding="utf-8")
    env = {
        **os.environ,
        "OIDC_PORT": str(port),
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_REDIRECT_URI": redirect_uri,
        "OIDC_POST_LOGOUT_REDIRECT_URI": post_logout_redirect_uri,
        "OIDC_ACCOUNTS_FILE": str(accounts),
    }
    log = open(tmp_path / "oidc-provider.log", "w", encoding="utf-8")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen([node, "server.mjs"], cwd=FIXTURE, env=env, stdout=log, stderr=log)
    issuer = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1).ok:
                break
        except requests.RequestException:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the OIDC provider did not start: {(tmp_path / 'oidc-provider.log').read_text()}")
        time.sleep(0.1)
    return Provider(issuer, accounts, process)


def configure(settings, provider: Provider) -> None:
    settings.OIDC_ISSUER = provider.issuer
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_RP_SCOPES = "openid email profile groups"
    settings.OIDC_ROLE_CLAIM = "groups"
    settings.OIDC_ROLE_MAP = ROLE_MAP
    settings.OIDC_PROVIDER_NAME = "Test IdP"
