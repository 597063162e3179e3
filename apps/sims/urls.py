from django.urls import path

from . import views
from .onboarding.urls import urlpatterns as onboarding_urlpatterns

app_name = "sims"

urlpatterns: list = [
    *onboarding_urlpatterns,
    path("", views.SimListView.as_view(), name="sim_list"),
    path("export.csv", views.SimExportCsvView.as_view(), name="sim_export_csv"),
    path("bulk/", views.SimBulkView.as_view(), name="sim_bulk"),
    path("<str:sid>/", views.SimDetailView.as_view(), name="sim_detail"),
    path("<str:sid>/status/", views.SimUpdateStatusView.as_view(), name="sim_update_status"),
    path("<str:sid>/fleet/", views.SimUpdateFleetView.as_view(), name="sim_update_fleet"),
    path("<str:sid>/rename/", views.SimRenameView.as_view(), name="sim_rename"),
    path("<str:sid>/status/poll/", views.SimStatusPollView.as_view(), name="sim_status_poll"),
    path("<str:sid>/details/sync/", views.SimSyncDetailsView.as_view(), name="sim_sync_details"),
]
