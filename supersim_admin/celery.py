import os
import sys

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supersim_admin.settings")

app = Celery("supersim_admin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


#: A Celery worker's thread switch interval (seconds; Python's default is 0.005). A sync run is three threads
#: (fetching, preparing, writing): a thread that gave up the GIL for a socket read or a database step waits
#: to get it back until the thread holding it has run this long, and reading one page takes several such
#: reads; at 1 ms the fetching thread keeps pace with the API. Set in worker processes only, never in a web
#: process (``make run`` syncs in-process at Python's default).
WORKER_SWITCH_INTERVAL = 0.001


@worker_init.connect
def prompt_thread_switching(**kwargs) -> None:
    """Every worker process (prefork children inherit it) switches threads every WORKER_SWITCH_INTERVAL."""
    sys.setswitchinterval(WORKER_SWITCH_INTERVAL)


@app.task(name="core.ping")
def ping(value: str = "pong") -> str:
    """A round-trip probe used by health checks and the tier-2 tests."""
    return value
