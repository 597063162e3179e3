from django.urls import path

from . import views

app_name = "esims"

urlpatterns: list = [
    path("", views.EsimProfileListView.as_view(), name="esimprofile_list"),
    path("new/", views.EsimProfileCreateView.as_view(), name="esimprofile_create"),
    path("print/", views.EsimProfilePrintSheetView.as_view(), name="esimprofile_print_sheet"),
    path("<str:sid>/", views.EsimProfileDetailView.as_view(), name="esimprofile_detail"),
    path("<str:sid>/status/", views.EsimProfileStatusPollView.as_view(), name="esimprofile_status_poll"),
    path("<str:sid>/qr.svg", views.EsimProfileQrSvgView.as_view(), name="esimprofile_qr_svg"),
    path("<str:sid>/qr.png", views.EsimProfileQrPngView.as_view(), name="esimprofile_qr_png"),
]
