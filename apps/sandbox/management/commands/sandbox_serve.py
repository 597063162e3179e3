"""manage.py sandbox_serve --port 8765: the API emulator alone, seeded, like LocalStack for AWS."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the sandbox (Super SIM API emulator) on its own port, seeded if empty."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=settings.SANDBOX_PORT)
        parser.add_argument("--sims", type=int, default=2000)
        parser.add_argument("--fleets", type=int, default=12)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **opts):
        call_command("migrate", interactive=False, verbosity=0)
        call_command(
            "sandbox_seed", sims=opts["sims"], fleets=opts["fleets"], seed=opts["seed"], if_empty=True
        )
        base = f"http://{opts['host']}:{opts['port']}/sandbox"
        self.stdout.write(
            f"""
Super SIM sandbox: {base}   (e.g. {base}/v1/Sims)
  Twilio Basic auth:   account SID {settings.SANDBOX_ACCOUNT_SID} / auth token {settings.SANDBOX_AUTH_TOKEN}
                       API key {settings.SANDBOX_API_KEY} / secret {settings.SANDBOX_API_SECRET}
  Provider:            {settings.SANDBOX_PROVIDER} (SANDBOX_PROVIDER=twilio|kore; kore: bearer tokens only)
  KORE OAuth2:         POST {base}/api-services/v1/auth/token grant_type=client_credentials
    client id {settings.SANDBOX_KORE_CLIENT_ID} / secret {settings.SANDBOX_KORE_CLIENT_SECRET}
  Faults:              {base}/_control/faults (GET/POST JSON/DELETE) or manage.py sandbox_faults
  Point a client at it: SUPERSIM_API_BASE_URL={base}
"""
        )
        if not settings.SANDBOX_ENABLED:
            self.stderr.write("SANDBOX_ENABLED is false: /sandbox/ is not routed. Set SANDBOX_ENABLED=true.")
        call_command("runserver", f"{opts['host']}:{opts['port']}", use_reloader=False, use_threading=True)
