from django.urls import path

from . import views

app_name = "networks"

urlpatterns = [
    path("", views.NetworkListView.as_view(), name="network_list"),
    path("profiles/", views.NapListView.as_view(), name="nap_list"),
    path("profiles/new/", views.NapCreateView.as_view(), name="nap_create"),
    path("profiles/<str:sid>/", views.NapDetailView.as_view(), name="nap_detail"),
    path("profiles/<str:sid>/rename/", views.NapRenameView.as_view(), name="nap_rename"),
    path("profiles/<str:sid>/networks/add/", views.NapNetworkAddView.as_view(), name="nap_network_add"),
    path(
        "profiles/<str:sid>/networks/<str:membership_sid>/remove/",
        views.NapNetworkRemoveView.as_view(),
        name="nap_network_remove",
    ),
    path("<str:sid>/", views.NetworkDetailView.as_view(), name="network_detail"),
]
