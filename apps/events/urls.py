from django.urls import path

from . import views

app_name = "events"

urlpatterns = [
    path("", views.ConnectionEventListView.as_view(), name="event_list"),
    path("export.csv", views.ConnectionEventCsvView.as_view(), name="event_export_csv"),
    path("dead-letters/", views.DeadLetterListView.as_view(), name="deadletter_list"),
    path("health/", views.FleetHealthView.as_view(), name="health"),
    path("map/", views.MapView.as_view(), name="map"),
    path("map/markers.json", views.MapMarkersView.as_view(), name="map_markers"),
    path("sims/<str:sid>/timeline/", views.SimTimelineView.as_view(), name="sim_timeline"),
]
