"""manage.py sync [resource ...] [--sim SID]: run syncs in this process, with a progress bar.

No resource: everything, in dependency order. Exit code 1 when a run did not succeed (failed, partial or
skipped because another sync of the same resource is running).
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from apps.sync import services
from apps.sync.models import SyncRun
from apps.sync.registry import RESOURCES


class Command(BaseCommand):
    help = "Sync local tables from the Super SIM API (everything, or the resources named)."

    def add_arguments(self, parser):
        parser.add_argument("resources", nargs="*", metavar="resource", help=", ".join(RESOURCES))
        parser.add_argument("--sim", help="sync one SIM's billing periods and IP addresses instead")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **opts):
        unknown = [r for r in opts["resources"] if r not in RESOURCES]
        if unknown:
            raise CommandError(f"unknown resource(s): {', '.join(unknown)}; known: {', '.join(RESOURCES)}")
        if opts["sim"]:
            runs = [services.sync_sim_details(sim_sid=opts["sim"], source=SyncRun.Source.CLI)]
        else:
            runs = services.runs_create(resources=opts["resources"] or None, source=SyncRun.Source.CLI)
            show = not opts["no_progress"] and opts.get("verbosity", 1) > 0
            bars: dict[int, tqdm] = {}

            def progress(run: SyncRun, items: int) -> None:
                bar = bars.get(run.pk)
                if bar is None:
                    bar = bars[run.pk] = tqdm(
                        desc=f"{run.resource:<16}", unit=" items", file=sys.stderr, disable=not show
                    )
                bar.update(items)
                bar.set_postfix(pages=run.pages, new=run.created, upd=run.updated, same=run.unchanged)

            try:
                for run in runs:
                    services.sync_resource(run=run, progress=progress)
                    if run.pk in bars:
                        bars[run.pk].close()
            finally:
                for bar in bars.values():
                    bar.close()
        failed = False
        for run in runs:
            ok = run.status == SyncRun.Status.SUCCEEDED
            failed = failed or not ok
            line = (
                f"{run.resource:<16} {run.status:<9} pages={run.pages} items={run.items} new={run.created} "
                f"updated={run.updated} unchanged={run.unchanged} removed={run.removed}"
            )
            if run.error:
                line += f"  {run.error}"
            self.stdout.write(self.style.SUCCESS(line) if ok else self.style.ERROR(line))
        if failed:
            bad = sum(r.status != SyncRun.Status.SUCCEEDED for r in runs)
            raise CommandError(f"{bad} sync run(s) did not succeed", returncode=1)
