from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("apps.core.urls")),
    path("accounts/", include("apps.accounts.urls")),
    path("sims/", include("apps.sims.urls")),
    path("fleets/", include("apps.fleets.urls")),
    path("annotations/", include("apps.annotations.urls")),
    path("networks/", include("apps.networks.urls")),
    path("esims/", include("apps.esims.urls")),
    path("commands/", include("apps.commands.urls")),
    path("usage/", include("apps.usage.urls")),
    path("sync/", include("apps.sync.urls")),
    path("audit/", include("apps.audit.urls")),
    path("events/", include("apps.events.urls")),
    path("alerts/", include("apps.alerts.urls")),
    path("search/", include("apps.search.urls")),
    path("views/", include("apps.savedviews.urls")),
    path("webhooks/", include("apps.supersim.urls")),
    path("api/v1/", include("apps.api.urls_pages")),  # tokens page and docs (session login)
    path("api/v1/", include("apps.api.urls")),  # the API itself (token auth)
    path("admin/", admin.site.urls),
]

if settings.SANDBOX_ENABLED:
    # The API emulator, reached by the product only over HTTP through SUPERSIM_API_BASE_URL.
    urlpatterns.append(path("sandbox/", include("apps.sandbox.urls")))
