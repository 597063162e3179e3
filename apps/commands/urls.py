from django.urls import path

from . import views

app_name = "commands"

urlpatterns = [
    path("", views.CommandListView.as_view(), name="command_list"),
    path("feed/", views.CommandFeedView.as_view(), name="command_feed"),
    path("sms/send/", views.SmsSendView.as_view(), name="sms_send"),
    path("ip/send/", views.IpSendView.as_view(), name="ip_send"),
    path("sms/<str:sid>/", views.SmsCommandDetailView.as_view(), name="smscommand_detail"),
    path("ip/<str:sid>/", views.IpCommandDetailView.as_view(), name="ipcommand_detail"),
]
