from django.contrib import admin

from .models import Network, NetworkAccessProfile, NetworkAccessProfileNetwork

SYNC_READONLY = ("sid", "raw", "content_hash", "synced_at", "removed_at", "last_seen_run_id")


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):
    list_display = ("friendly_name", "sid", "iso_country", "mcc_mnc", "removed_at")
    list_filter = ("iso_country",)
    search_fields = ("sid", "friendly_name", "mcc_mnc")
    readonly_fields = SYNC_READONLY


@admin.register(NetworkAccessProfile)
class NetworkAccessProfileAdmin(admin.ModelAdmin):
    list_display = ("unique_name", "sid", "date_created", "removed_at")
    search_fields = ("sid", "unique_name")
    readonly_fields = SYNC_READONLY


@admin.register(NetworkAccessProfileNetwork)
class NetworkAccessProfileNetworkAdmin(admin.ModelAdmin):
    list_display = ("nap", "network", "friendly_name", "iso_country", "removed_at")
    list_filter = ("iso_country",)
    search_fields = ("sid", "nap__sid", "friendly_name")
    list_select_related = ("nap", "network")
    readonly_fields = SYNC_READONLY
