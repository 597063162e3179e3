"""``/api/v1/``: the resources (token or session auth, see apps/api/auth.py) and the OpenAPI schema (the
tokens page and the docs, for people, are in urls_pages.py)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from . import views

app_name = "api"

router = SimpleRouter()
router.register("sims", views.SimViewSet, basename="sim")
router.register("fleets", views.FleetViewSet, basename="fleet")
router.register("naps", views.NapViewSet, basename="nap")
router.register("networks", views.NetworkViewSet, basename="network")
router.register("esim-profiles", views.EsimProfileViewSet, basename="esimprofile")
router.register("sms-commands", views.SmsCommandViewSet, basename="smscommand")
router.register("ip-commands", views.IpCommandViewSet, basename="ipcommand")
router.register("jobs", views.JobViewSet, basename="job")
router.register("sync-runs", views.SyncRunViewSet, basename="syncrun")
router.register("audit-events", views.AuditEventViewSet, basename="auditevent")

# The API authenticates in the view (a token is no session): the site's LoginRequiredMiddleware must let
# its requests through, DRF answers 401 problem+json itself.
urlpatterns = [
    *[type(p)(p.pattern, login_not_required(p.callback), p.default_args, p.name) for p in router.urls],
    path("usage/series/", login_not_required(views.UsageSeriesView.as_view()), name="usage_series"),
    path(
        "usage/breakdown/<str:chart>/",
        login_not_required(views.UsageBreakdownView.as_view()),
        name="usage_breakdown",
    ),
    path("schema/", login_not_required(SpectacularAPIView.as_view(api_version="v1")), name="schema"),
]
