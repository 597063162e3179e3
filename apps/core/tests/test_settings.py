"""Settings are parsed from the environment only; production settings pass check --deploy."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE = Path(__file__).resolve().parents[3]


def run_settings(env_extra: dict[str, str], code: str) -> subprocess.CompletedProcess:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL", "PRODUCTION"))
    }
    env.update(
        {"DJANGO_SETTINGS_MODULE": "supersim_admin.settings", "SUPERSIM_IGNORE_DOTENV": "1", **env_extra}
    )
    prog = "import django; django.setup(); from django.conf import settings as s; " + code
    return subprocess.run([sys.executable, "-c", prog], cwd=BASE, env=env, capture_output=True, text=True)


def test_defaults_are_sqlite_eager_and_twilio():
    out = run_settings(
        {},
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, "
        "s.SUPERSIM_API_BASE_URL, s.DEBUG)",
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["django.db.backends.sqlite3", "True", "https://supersim.twilio.com", "True"]


def test_database_and_redis_urls_switch_to_postgres_and_a_worker():
    out = run_settings(
        {"DATABASE_URL": "postgres://u:p@db.example:5433/ss", "REDIS_URL": "redis://cache:6379/2"},
        "d=s.DATABASES['default']; print(d['ENGINE'], d['HOST'], d['PORT'], d['NAME'], "
        "s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL, s.CACHES['default']['BACKEND'])",
    )
    assert out.returncode == 0, out.stderr
    engine, host, port, name, eager, broker, cache = out.stdout.split()
    assert engine == "django.db.backends.postgresql" and (host, port, name) == ("db.example", "5433", "ss")
    assert eager == "False" and broker == "redis://cache:6379/2" and cache.endswith("RedisCache")


def test_secrets_can_come_from_files(tmp_path):
    token = tmp_path / "token"
    token.write_text("from-a-file\n")
    out = run_settings(
        {"TWILIO_AUTH_TOKEN_FILE": str(token), "ALLOWED_HOSTS": "a.example,b.example"},
        "print(s.TWILIO_AUTH_TOKEN, ','.join(s.ALLOWED_HOSTS))",
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["from-a-file", "a.example,b.example"]


def test_kore_and_webhook_settings_are_configuration():
    out = run_settings(
        {
            "SUPERSIM_API_BASE_URL": "https://supersim.api.korewireless.com/",
            "SUPERSIM_AUTH_MODE": "kore",
            "WEBHOOK_SIGNATURE_SCHEME": "kore",
        },
        "print(s.SUPERSIM_API_BASE_URL, s.SUPERSIM_AUTH_MODE, s.WEBHOOK_SIGNATURE_SCHEME)",
    )
    assert out.stdout.split() == ["https://supersim.api.korewireless.com", "kore", "kore"]


def test_production_refuses_a_missing_secret_key():
    out = run_settings({"PRODUCTION": "true"}, "print('loaded')")
    assert out.returncode != 0
    assert "SECRET_KEY" in out.stderr


@pytest.mark.parametrize("with_file", [False, True])
def test_production_settings_pass_check_deploy_with_zero_warnings(tmp_path, with_file):
    key = "k" * 20 + "-Zq8v!r2Lm9#xT4wP7yB1nC5hJ0dF3gS6uE-" + "a1b2c3d4e5"
    env = {"PRODUCTION": "true", "ALLOWED_HOSTS": "dash.example.com"}
    if with_file:
        (tmp_path / "key").write_text(key)
        env["SECRET_KEY_FILE"] = str(tmp_path / "key")
    else:
        env["SECRET_KEY"] = key
    # a deployment's environment: not the test run's databases, nor the browser tests' async switch
    full = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"))
    }
    full.update({"SUPERSIM_IGNORE_DOTENV": "1", **env})
    out = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE,
        env=full,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "System check identified no issues (0 silenced)." in out.stdout


def test_collectstatic_of_production_finds_every_file_the_assets_reference(settings, tmp_path):
    """Production serves hashed names (whitenoise's manifest storage), which fails the image build when a
    vendored stylesheet references a file that is not vendored (a source map, a font)."""
    import io

    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", stdout=io.StringIO())  # Django resets the storage on change
    assert (tmp_path / "staticfiles.json").exists()
    assert list(tmp_path.glob("vendor/swagger-ui/swagger-ui.*.css"))
