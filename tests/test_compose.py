"""docker-compose.yml hands every setting of the README's configuration table to every container that reads
it (web, worker, beat), checked from `docker-compose config` (needs no Docker engine)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from apps.core.testing import missing

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("web", "worker", "events-worker", "beat")
#: set by the compose file itself (the stack's own PostgreSQL and Redis), whatever .env says
FIXED_BY_COMPOSE = {"DATABASE_URL", "REDIS_URL"}


def readme_settings() -> list[str]:
    """The variable names of the README's configuration table (first column, in backquotes)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    names = []
    for line in table.splitlines():
        if line.startswith("| `"):
            names += re.findall(r"`([A-Z][A-Z0-9_]+)`", line.split("|")[1])
    return names


def compose_config(tmp_path: Path, dotenv: dict[str, str]) -> dict:
    """`docker-compose config` of the project's compose file beside a .env holding ``dotenv`` (and nothing
    from the caller's environment)."""
    exe = shutil.which("docker-compose")
    if exe is None:
        missing("docker-compose is not installed (.ci/run installs it)")
    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    (tmp_path / ".env").write_text("".join(f"{k}={v}\n" for k, v in dotenv.items()))
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    out = subprocess.run(
        [exe, "config"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode == 0, out.stderr
    return yaml.safe_load(out.stdout)


def test_the_readme_table_is_read():
    names = readme_settings()
    assert {
        "SECRET_KEY",
        "SUPERSIM_AUTH_MODE",
        "KORE_CLIENT_ID",
        "KORE_CLIENT_SECRET",
        "KORE_TOKEN_URL",
    } <= set(names)
    assert {"WEBHOOK_SIGNATURE_SCHEME", "KORE_WEBHOOK_SECRET", "SANDBOX_FAULT_DELAY_MS"} <= set(names)
    assert len(names) == len(set(names)) >= 40


def test_every_readme_setting_in_dotenv_reaches_web_worker_and_beat(tmp_path):
    names = readme_settings()
    dotenv = {name: f"from-dotenv-{name.lower()}" for name in names}
    services = compose_config(tmp_path, dotenv)["services"]
    for service in APP_SERVICES:
        environment = services[service]["environment"]
        for name in names:
            assert name in environment, (service, name)
            if name not in FIXED_BY_COMPOSE:
                assert environment[name] == dotenv[name], (service, name)


def test_a_kore_dotenv_reaches_the_containers_and_unset_settings_keep_the_apps_defaults(tmp_path):
    kore = {
        "SECRET_KEY": "k" * 50,
        "SUPERSIM_API_BASE_URL": "https://supersim.api.korewireless.com",
        "SUPERSIM_AUTH_MODE": "kore",
        "KORE_CLIENT_ID": "client-1",
        "KORE_CLIENT_SECRET": "secret-1",
        "WEBHOOK_SIGNATURE_SCHEME": "kore",
        "KORE_WEBHOOK_SECRET": "hook-secret-1",
    }
    services = compose_config(tmp_path, kore)["services"]
    for service in APP_SERVICES:
        environment = services[service]["environment"]
        for name, value in kore.items():
            assert environment[name] == value, (service, name)
        # not in .env: not set in the container (None), so settings.py's default applies - an empty
        # KORE_TOKEN_URL would replace KORE's token URL with nothing
        assert environment["KORE_TOKEN_URL"] is None
        assert environment["SYNC_INTERVAL_SECONDS"] is None
        assert environment["PRODUCTION"] == "true"  # the compose file's own defaults stay


@pytest.mark.parametrize("service", APP_SERVICES)
def test_the_app_containers_share_one_environment(service):
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert compose["services"][service]["environment"] == compose["x-app"]["environment"]
