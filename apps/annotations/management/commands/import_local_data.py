import sys

from django.core.management.base import BaseCommand, CommandError

from apps.annotations.backup import BackupError, import_lines


class Command(BaseCommand):
    help = (
        "Read a file written by export_local_data: rows are matched by their natural key and created or "
        "updated (idempotent: importing twice changes nothing). A file of a newer schema is refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="file to read ('-': standard input)")

    def handle(self, *args, path, **options):
        try:
            source = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from None
        try:
            stats = import_lines(source)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        finally:
            if source is not sys.stdin:
                source.close()
        for label, counts in stats.items():
            self.stdout.write(
                f"{label}: {counts['created']} created, {counts['updated']} updated, "
                f"{counts['unchanged']} unchanged"
            )
