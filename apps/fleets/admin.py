from django.contrib import admin

from .models import Fleet


@admin.register(Fleet)
class FleetAdmin(admin.ModelAdmin):
    list_display = (
        "unique_name",
        "sid",
        "data_enabled",
        "data_limit",
        "network_access_profile",
        "removed_at",
    )
    list_filter = ("data_enabled", "sms_commands_enabled")
    search_fields = ("sid", "unique_name")
    list_select_related = ("network_access_profile",)
    readonly_fields = ("sid", "raw", "content_hash", "synced_at", "removed_at", "last_seen_run_id")
