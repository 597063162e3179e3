"""gunicorn settings of the dashboard, read from the working directory (the image's /app, bench/load.py).

Threads per worker: a page view mostly waits on PostgreSQL/Redis, and an operator's change waits on the API.
``keepalive`` outlives a browser's or proxy's idle gap between two requests on one connection: with
gunicorn's default (2 s) a request sent just as the server closes the idle connection fails with
"connection reset" (seen under load with 1-5 s between clicks).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = 60
keepalive = 30
