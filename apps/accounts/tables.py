import django_tables2 as tables
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.html import format_html

from apps.core.tables import BaseTable, DateTimeColumn

from .selectors import role_from_groups


class UserTable(BaseTable):
    username = tables.Column(linkify=lambda record: reverse("accounts:user_detail", kwargs={"pk": record.pk}))
    email = tables.Column(verbose_name="E-mail")
    role = tables.Column(accessor="pk", orderable=False, empty_values=())
    is_active = tables.BooleanColumn(verbose_name="Active")
    locked_out = tables.Column(verbose_name="Locked out", empty_values=())
    mfa = tables.BooleanColumn(verbose_name="Two-factor", orderable=False)
    last_login = DateTimeColumn(format="Y-m-d H:i", verbose_name="Last login", default="never")
    date_joined = DateTimeColumn(format="Y-m-d", verbose_name="Created")

    class Meta:
        model = get_user_model()
        fields = ("username", "email", "role", "is_active", "locked_out", "mfa", "last_login", "date_joined")
        attrs = {"class": "table table-sm table-hover align-middle", "id": "user-table"}
        row_attrs = {"data-username": lambda record: record.username}
        order_by = ("username",)

    def render_role(self, record):
        role = role_from_groups((g.name for g in record.groups.all()), is_superuser=record.is_superuser)
        label = f"{role} (superuser)" if record.is_superuser else role
        return format_html('<span data-role="{}">{}</span>', role, label)

    def render_locked_out(self, value):
        if value:
            return format_html(
                '<span class="badge text-bg-danger" data-locked-out="yes">{}</span>', "locked out"
            )
        return format_html('<span class="text-secondary" data-locked-out="no">{}</span>', "no")
