from django.urls import path

from . import views

app_name = "usage"

urlpatterns = [
    path("", views.UsageOverviewView.as_view(), name="usage_overview"),
    path("chart-data/", views.UsageChartDataView.as_view(), name="usage_chart_data"),
    path("export.csv", views.UsageExportCsvView.as_view(), name="usage_export_csv"),
    path("fleets/<str:sid>/near-limit/", views.FleetNearLimitView.as_view(), name="fleet_near_limit"),
]
