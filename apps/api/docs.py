"""The browsable API docs: Swagger UI (vendored, static/vendor/swagger-ui) on the schema, signed-in users."""

from django.views.generic import TemplateView

from apps.accounts.permissions import ViewerRequiredMixin


class ApiDocsView(ViewerRequiredMixin, TemplateView):
    """Swagger UI; its "Try it out" calls run with the session (CSRF token sent by static/js/api-docs.js)."""

    template_name = "api/docs.html"
    http_method_names = ["get"]
