from django.contrib import admin

from .models import EsimProfile


@admin.register(EsimProfile)
class EsimProfileAdmin(admin.ModelAdmin):
    list_display = ("sid", "eid", "iccid", "status", "sim", "date_created", "removed_at")
    list_filter = ("status",)
    search_fields = ("=sid", "eid", "^iccid")
    raw_id_fields = ("sim",)
    readonly_fields = ("sid", "raw", "content_hash", "synced_at", "removed_at", "last_seen_run_id")
