import sys

from django.core.management.base import BaseCommand

from apps.annotations.backup import export_lines, registered


class Command(BaseCommand):
    help = (
        "Write the local data the API cannot give back (users and roles, audit log, tags, custom fields and "
        "values, notes, and every model other apps registered) as one versioned JSON Lines file."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default="-", help="file to write ('-': standard output)")
        parser.add_argument(
            "--only", action="append", help="a model label (repeatable), e.g. annotations.tag"
        )

    def handle(self, *args, path, only=None, **options):
        known = {e.label for e in registered()}
        unknown = sorted(set(only or []) - known)
        if unknown:
            self.stderr.write(f"Unknown model(s): {', '.join(unknown)}. Known: {', '.join(sorted(known))}")
            sys.exit(2)
        out = sys.stdout if path == "-" else open(path, "w", encoding="utf-8")  # noqa: SIM115
        lines = 0
        try:
            for line in export_lines(labels=only):
                out.write(line + "\n")
                lines += 1
        finally:
            if out is not sys.stdout:
                out.close()
        if path != "-":
            self.stderr.write(f"Wrote {lines - 1:,} row(s) to {path}.")
