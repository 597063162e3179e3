"""manage.py sandbox_inventory [--count N] [--csv]: unclaimed ICCID + registration code pairs of the sandbox.

Each pair is a physical SIM not on the account yet: register it on the dashboard's "Register a SIM" page
(or ``POST /sandbox/v1/Sims Iccid + RegistrationCode``); ``--csv`` prints a file the CSV onboarding takes.
"""

from django.core.management.base import BaseCommand, CommandError

from apps.sandbox.seed import inventory_sample, inventory_unclaimed


def write_pairs(stdout, pairs) -> None:
    """The pairs as ``sandbox_seed`` has always printed them (one line each)."""
    for iccid, code in pairs:
        stdout.write(f"  Iccid={iccid}  RegistrationCode={code}")


class Command(BaseCommand):
    help = "List unclaimed ICCID + registration code pairs of the sandbox, to try onboarding with."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=10, help="how many pairs (default 10)")
        parser.add_argument("--csv", action="store_true", help="as a CSV file for the CSV onboarding")

    def handle(self, *args, count: int, csv: bool, **options):
        if count < 1:
            raise CommandError("--count must be at least 1")
        pairs = inventory_sample(count)
        if csv:
            self.stdout.write("iccid,registration_code")
            for iccid, code in pairs:
                self.stdout.write(f"{iccid},{code}")
            return
        left = inventory_unclaimed()
        if not pairs:
            self.stdout.write(
                "No unclaimed SIMs left in the sandbox: reseed it (sandbox_seed --reset --inventory N)."
            )
            return
        self.stdout.write(f"{left} unclaimed SIM(s) in the sandbox; the first {len(pairs)}:")
        write_pairs(self.stdout, pairs)
