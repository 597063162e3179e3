"""manage.py sandbox_faults --rate-429 0.2 --rate-500 0.1 --rate-503 0 --delay-ms 50 --fail-page /v1/Sims:3
--retry-after 1 --seed 7 --clear  (no option: show the current settings)"""

import json

from django.core.management.base import BaseCommand

from apps.sandbox import guard
from apps.sandbox.views import parse_fail_page


class Command(BaseCommand):
    help = "Show or change the sandbox's injected faults (shared by every process serving it)."

    def add_arguments(self, parser):
        parser.add_argument("--rate-429", type=float)
        parser.add_argument("--rate-500", type=float)
        parser.add_argument("--rate-503", type=float)
        parser.add_argument("--delay-ms", type=int)
        parser.add_argument("--retry-after", type=int)
        parser.add_argument("--fail-page", help="PATH[:PAGE], e.g. /v1/Sims:3; empty string to stop")
        parser.add_argument("--seed", type=int, help="make the sequence of faults repeatable")
        parser.add_argument("--clear", action="store_true", help="clear every fault first")

    def handle(self, *args, **opts):
        if opts["clear"]:
            guard.faults_clear()
        changes = {
            k: opts[k]
            for k in ("rate_429", "rate_500", "rate_503", "delay_ms", "retry_after", "seed")
            if opts[k] is not None
        }
        if opts["fail_page"] is not None:
            changes["fail_prefix"], changes["fail_page"] = parse_fail_page(opts["fail_page"])
        config = guard.faults_set(**changes) if changes else guard.faults_get()
        self.stdout.write(json.dumps(config, indent=2))
