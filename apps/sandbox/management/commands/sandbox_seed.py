"""manage.py sandbox_seed --sims N --fleets M --seed S [--inventory K] [--if-empty] [--reset]"""

import time

from django.core.management.base import BaseCommand, CommandError

from apps.sandbox.catalogue import ensure_networks
from apps.sandbox.management.commands.sandbox_inventory import write_pairs
from apps.sandbox.models import Sim
from apps.sandbox.seed import inventory_sample, reset, seed


class Command(BaseCommand):
    help = "Fill the sandbox (the Super SIM API emulator) with deterministic data."

    def add_arguments(self, parser):
        parser.add_argument("--sims", type=int, default=2000)
        parser.add_argument("--fleets", type=int, default=12)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--inventory", type=int, default=None, help="unclaimed ICCIDs (default sims/20)")
        parser.add_argument("--if-empty", action="store_true", help="do nothing if the sandbox has SIMs")
        parser.add_argument("--reset", action="store_true", help="delete the sandbox's data first")

    def handle(self, *args, **opts):
        ensure_networks()
        if opts["reset"]:
            reset()
        elif Sim.objects.exists():
            if opts["if_empty"]:
                self.stdout.write("sandbox already seeded; nothing to do")
                self._pairs()
                return
            raise CommandError("the sandbox already has SIMs: use --reset to replace them or --if-empty")
        started = time.monotonic()
        counts = seed(
            sims=opts["sims"], fleets=opts["fleets"], seed=opts["seed"], inventory=opts["inventory"]
        )
        took = time.monotonic() - started
        self.stdout.write(
            "sandbox seeded in {:.1f}s: {}".format(took, ", ".join(f"{v} {k}" for k, v in counts.items()))
        )
        self._pairs()

    def _pairs(self) -> None:
        """A few unclaimed pairs, on every run (not only the first): what to try onboarding with."""
        self.stdout.write("Unclaimed SIMs you can register (POST /v1/Sims Iccid + RegistrationCode):")
        write_pairs(self.stdout, inventory_sample())
        self.stdout.write("More: manage.py sandbox_inventory --count N (or the dashboard's sandbox page).")
