"""/sandbox/... : the Super SIM v1 API emulator (31 operations), the KORE token endpoint and fault control."""

from django.urls import path, re_path

from . import views as v

app_name = "sandbox"

urlpatterns = [
    path("oauth2/token", v.oauth_token, name="oauth_token"),
    # KORE's own path (kore_token_api_v1.json: https://api.korewireless.com/api-services/v1/auth/token)
    path("api-services/v1/auth/token", v.oauth_token, name="kore_token"),
    path("_control/faults", v.faults_control, name="faults"),
    path("_control/inventory", v.inventory_control, name="inventory"),
    path("v1/Sims", v.endpoint(get=v.sims_list, post=v.sims_create), name="sims"),
    path("v1/Sims/<str:sid>", v.endpoint(get=v.sim_fetch, post=v.sim_update), name="sim"),
    path("v1/Sims/<str:sim_sid>/BillingPeriods", v.endpoint(get=v.billing_periods), name="billing_periods"),
    path("v1/Sims/<str:sim_sid>/IpAddresses", v.endpoint(get=v.ip_addresses), name="ip_addresses"),
    path("v1/Fleets", v.endpoint(get=v.fleets_list, post=v.fleets_create), name="fleets"),
    path("v1/Fleets/<str:sid>", v.endpoint(get=v.fleet_fetch, post=v.fleet_update), name="fleet"),
    path("v1/NetworkAccessProfiles", v.endpoint(get=v.naps_list, post=v.naps_create), name="naps"),
    path("v1/NetworkAccessProfiles/<str:sid>", v.endpoint(get=v.nap_fetch, post=v.nap_update), name="nap"),
    path(
        "v1/NetworkAccessProfiles/<str:nap_sid>/Networks",
        v.endpoint(get=v.nap_networks_list, post=v.nap_networks_create),
        name="nap_networks",
    ),
    path(
        "v1/NetworkAccessProfiles/<str:nap_sid>/Networks/<str:sid>",
        v.endpoint(get=v.nap_network_fetch, delete=v.nap_network_delete),
        name="nap_network",
    ),
    path("v1/Networks", v.endpoint(get=v.networks_list), name="networks"),
    path("v1/Networks/<str:sid>", v.endpoint(get=v.network_fetch), name="network"),
    path("v1/ESimProfiles", v.endpoint(get=v.esims_list, post=v.esims_create), name="esim_profiles"),
    path("v1/ESimProfiles/<str:sid>", v.endpoint(get=v.esim_fetch), name="esim_profile"),
    path("v1/SmsCommands", v.endpoint(get=v.sms_list, post=v.sms_create), name="sms_commands"),
    path("v1/SmsCommands/<str:sid>", v.endpoint(get=v.sms_fetch), name="sms_command"),
    path("v1/IpCommands", v.endpoint(get=v.ip_list, post=v.ip_create), name="ip_commands"),
    path("v1/IpCommands/<str:sid>", v.endpoint(get=v.ip_fetch), name="ip_command"),
    path("v1/SettingsUpdates", v.endpoint(get=v.settings_updates_list), name="settings_updates"),
    path("v1/UsageRecords", v.endpoint(get=v.usage_list), name="usage_records"),
    re_path(r"^(?P<rest>.*)$", v.unknown, name="unknown"),
]
