from django.urls import path

from . import views

app_name = "sync"

urlpatterns = [
    path("", views.SyncRunListView.as_view(), name="syncrun_list"),
    path("runs/<int:pk>/", views.SyncRunDetailView.as_view(), name="syncrun_detail"),
    path("now/", views.SyncNowView.as_view(), name="sync_now"),
]
