from django.contrib import admin

from .models import UsageRecord


@admin.register(UsageRecord)
class UsageRecordAdmin(admin.ModelAdmin):
    list_display = ("group", "group_key", "granularity", "period_start", "data_total", "data_total_billed")
    list_filter = ("group", "granularity")
    search_fields = ("=group_key",)
    date_hierarchy = "period_start"
    readonly_fields = ("raw", "content_hash", "synced_at", "last_seen_run_id")
