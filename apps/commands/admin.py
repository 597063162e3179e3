from django.contrib import admin

from .models import IpCommand, SmsCommand

SYNC_READONLY = ("sid", "raw", "content_hash", "synced_at", "removed_at", "last_seen_run_id")


@admin.register(SmsCommand)
class SmsCommandAdmin(admin.ModelAdmin):
    list_display = ("sid", "sim", "direction", "status", "date_created")
    list_filter = ("status", "direction")
    search_fields = ("=sid", "=sim__sid", "payload")
    raw_id_fields = ("sim",)
    readonly_fields = SYNC_READONLY


@admin.register(IpCommand)
class IpCommandAdmin(admin.ModelAdmin):
    list_display = (
        "sid",
        "sim",
        "direction",
        "status",
        "payload_type",
        "device_ip",
        "device_port",
        "date_created",
    )
    list_filter = ("status", "direction", "payload_type")
    search_fields = ("=sid", "=sim__sid", "^sim_iccid")
    raw_id_fields = ("sim",)
    readonly_fields = SYNC_READONLY
