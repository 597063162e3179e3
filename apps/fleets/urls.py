from django.urls import path

from . import views

app_name = "fleets"

urlpatterns = [
    path("", views.FleetListView.as_view(), name="fleet_list"),
    path("new/", views.FleetCreateView.as_view(), name="fleet_create"),
    path("choices/", views.FleetChoicesView.as_view(), name="fleet_choices"),
    path("<str:sid>/", views.FleetDetailView.as_view(), name="fleet_detail"),
    path("<str:sid>/edit/", views.FleetEditView.as_view(), name="fleet_edit"),
]
