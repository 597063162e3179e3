from django.urls import path

from apps.events import views as events_views

from . import views

app_name = "webhooks"

urlpatterns = [
    path("sms-commands/", views.sms_commands, name="sms_commands"),
    path("ip-commands/", views.ip_commands, name="ip_commands"),
    path("sim-status/", views.sim_status, name="sim_status"),
    path("command-status/", views.command_status, name="command_status"),
    path("esim-status/", views.esim_status, name="esim_status"),
    path("connection-events/", events_views.ingest, name="connection_events"),
]
