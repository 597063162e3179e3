from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"

    def ready(self) -> None:
        from .signals import ensure_role_groups

        post_migrate.connect(ensure_role_groups, sender=self, dispatch_uid="accounts_role_groups")
        _admin_logs_in_through_the_dashboard()


def _admin_logs_in_through_the_dashboard() -> None:
    """Django admin's own login form would skip the second factor: it sends to the dashboard's login."""
    from django.contrib import admin
    from django.contrib.auth.decorators import login_not_required
    from django.contrib.auth.views import redirect_to_login

    @login_not_required
    def login(request, extra_context=None):
        return redirect_to_login(request.GET.get("next") or "/admin/")

    admin.site.login = login
