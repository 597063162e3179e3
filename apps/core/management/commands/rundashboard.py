"""Serve the dashboard and everything it needs in one command; Ctrl-C stops it all.

Starts the web server; with REDIS_URL set also a Celery worker and beat (otherwise tasks run in-process).
Once the server answers, runs a first sync from the configured API (the embedded sandbox by default).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

from django.conf import settings
from django.core.management import get_commands
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the dashboard (web server, plus Celery worker and beat when REDIS_URL is set)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-sync", action="store_true", help="skip the first sync")

    def handle(self, *args, host, port, no_sync, **options):
        procs: list[subprocess.Popen] = []
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        procs.append(subprocess.Popen([*manage, "runserver", f"{host}:{port}", "--noreload"]))
        if settings.REDIS_URL:
            celery = [sys.executable, "-m", "celery", "-A", "supersim_admin"]
            procs.append(subprocess.Popen([*celery, "worker", "-l", "info", "-c", "2"]))
            procs.append(subprocess.Popen([*celery, "beat", "-l", "info"]))

        def stop(*_):
            for p in procs:
                if p.poll() is None:
                    p.send_signal(signal.SIGINT)
            for p in procs:
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()

        signal.signal(signal.SIGTERM, lambda *_: (stop(), sys.exit(0)))
        try:
            url = f"http://{host}:{port}/health/"
            for _ in range(120):
                try:
                    urllib.request.urlopen(url, timeout=2)  # noqa: S310 - our own local server
                    break
                except OSError:
                    time.sleep(0.5)
            where = f"http://{host}:{port}/"
            if not no_sync and "sync" in get_commands():
                self.stdout.write(
                    f"Super SIM Admin is at {where} (Ctrl-C stops). A first sync from "
                    f"{settings.SUPERSIM_API_BASE_URL} runs now: until it finishes the data is partial "
                    "(the home page shows its progress)."
                )
                if subprocess.call([*manage, "sync"], env=os.environ) == 0:
                    self.stdout.write(self.style.SUCCESS(f"First sync done; the dashboard is at {where}"))
                else:
                    self.stdout.write(
                        self.style.WARNING(f"The first sync did not fully succeed: see {where}sync/")
                    )
            else:
                self.stdout.write(self.style.SUCCESS(f"Super SIM Admin is at {where} (Ctrl-C stops)"))
            while all(p.poll() is None for p in procs):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            stop()
