import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supersim_admin.settings")

app = Celery("supersim_admin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="core.ping")
def ping(value: str = "pong") -> str:
    """A round-trip probe used by health checks and the tier-2 tests."""
    return value
