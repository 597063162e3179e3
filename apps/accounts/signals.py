from django.contrib.auth.models import Group, Permission

from .permissions import ROLE_PERMISSIONS


def ensure_role_groups(**kwargs) -> None:
    """post_migrate: the viewer/operator/admin groups exist with exactly their permissions."""
    perms = {p.codename: p for p in Permission.objects.filter(content_type__app_label="accounts")}
    if not perms:
        return
    for name, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set([perms[c] for c in codenames if c in perms])
