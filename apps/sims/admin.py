from django.contrib import admin

from .models import BillingPeriod, SettingsUpdate, Sim, SimIpAddress

SYNC_READONLY = ("sid", "raw", "content_hash", "synced_at", "removed_at", "last_seen_run_id")


@admin.register(Sim)
class SimAdmin(admin.ModelAdmin):
    list_display = ("unique_name", "sid", "iccid", "status", "fleet", "date_created", "removed_at")
    list_filter = ("status",)
    search_fields = ("=sid", "^iccid", "unique_name")
    list_select_related = ("fleet",)
    readonly_fields = SYNC_READONLY
    show_full_result_count = False


@admin.register(BillingPeriod)
class BillingPeriodAdmin(admin.ModelAdmin):
    list_display = ("sid", "sim", "period_type", "start_time", "end_time")
    list_filter = ("period_type",)
    search_fields = ("=sid", "=sim__sid")
    raw_id_fields = ("sim",)
    readonly_fields = SYNC_READONLY


@admin.register(SimIpAddress)
class SimIpAddressAdmin(admin.ModelAdmin):
    list_display = ("ip_address", "ip_address_version", "sim", "synced_at")
    search_fields = ("ip_address", "=sim__sid")
    raw_id_fields = ("sim",)


@admin.register(SettingsUpdate)
class SettingsUpdateAdmin(admin.ModelAdmin):
    list_display = ("sid", "iccid", "sim", "status", "date_created", "date_completed")
    list_filter = ("status",)
    search_fields = ("=sid", "^iccid")
    raw_id_fields = ("sim",)
    readonly_fields = SYNC_READONLY
