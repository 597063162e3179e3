"""Create (or reset) the local demo logins that ``make run`` prints. Refused in production."""

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from apps.accounts.permissions import ADMIN, OPERATOR, VIEWER

CREDENTIALS_FILE = Path(settings.BASE_DIR) / ".dev-logins"


class Command(BaseCommand):
    help = "Create the demo users operator/admin/viewer for local use and print their passwords."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("ensure_dev_users is for local development only (PRODUCTION=true).")
        stored = {}
        if CREDENTIALS_FILE.exists():
            for line in CREDENTIALS_FILE.read_text().splitlines():
                name, _, password = line.partition(" ")
                stored[name] = password
        User = get_user_model()
        lines = []
        for username, role in ((OPERATOR, OPERATOR), (ADMIN, ADMIN), (VIEWER, VIEWER)):
            password = stored.get(username) or secrets.token_urlsafe(12)
            user, _ = User.objects.get_or_create(username=username)
            user.set_password(password)
            user.is_staff = role == ADMIN
            user.save()
            user.groups.set([Group.objects.get(name=role)])
            lines.append(f"{username} {password}")
        CREDENTIALS_FILE.write_text("\n".join(lines) + "\n")
        CREDENTIALS_FILE.chmod(0o600)
        self.stdout.write(self.style.SUCCESS("Logins for this local dashboard (also in .dev-logins):"))
        for line in lines:
            name, password = line.split(" ")
            self.stdout.write(f"  user {name:<9} password {password}")
