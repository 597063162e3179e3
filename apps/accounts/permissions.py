"""The three roles and the view mixins that enforce them (permission checked before anything else)."""

from __future__ import annotations

from django.contrib.auth.mixins import PermissionRequiredMixin

PERM_VIEW = "accounts.view_dashboard"
PERM_OPERATE = "accounts.operate"
PERM_ADMIN = "accounts.administer"

VIEWER, OPERATOR, ADMIN = "viewer", "operator", "admin"

#: group name -> permission codenames (all in the ``accounts`` app)
ROLE_PERMISSIONS: dict[str, list[str]] = {
    VIEWER: ["view_dashboard"],
    OPERATOR: ["view_dashboard", "operate"],
    ADMIN: ["view_dashboard", "operate", "administer"],
}


def user_role(user) -> str:
    if user.is_superuser or user.has_perm(PERM_ADMIN):
        return ADMIN
    if user.has_perm(PERM_OPERATE):
        return OPERATOR
    if user.has_perm(PERM_VIEW):
        return VIEWER
    return "no role"


def _record_denied(request) -> None:
    from apps.audit.services import audit_record

    audit_record(
        action="access.denied",
        user=request.user,
        request=request,
        success=False,
        message=f"{request.method} {request.path} refused",
    )


class AuditedPermissionRequiredMixin(PermissionRequiredMixin):
    """PermissionRequiredMixin that writes an audit entry for every refused request (403)."""

    def handle_no_permission(self):
        if self.request.user.is_authenticated:
            _record_denied(self.request)
        return super().handle_no_permission()


class ViewerRequiredMixin(AuditedPermissionRequiredMixin):
    permission_required = PERM_VIEW


class OperatorRequiredMixin(AuditedPermissionRequiredMixin):
    permission_required = PERM_OPERATE


class AdminRequiredMixin(AuditedPermissionRequiredMixin):
    permission_required = PERM_ADMIN
