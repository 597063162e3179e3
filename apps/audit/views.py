import json
from urllib.parse import urlencode

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.generic import TemplateView

from apps.accounts.permissions import ViewerRequiredMixin
from apps.core.views import ObjectListView

from .filtersets import AuditEventFilterSet
from .models import AuditEvent
from .tables import AuditEventTable


class AuditEventListView(ObjectListView):
    queryset = AuditEvent.objects.summaries().order_by("-timestamp", "-id")
    filterset_class = AuditEventFilterSet
    table_class = AuditEventTable
    page_title = "Audit log"


def pretty_json(value) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)


def changed_keys(before, after) -> list[dict]:
    """Top-level keys whose value differs between ``before`` and ``after`` (dicts), for the summary table."""
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    rows = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old != new:
            rows.append({"key": key, "before": pretty_json(old), "after": pretty_json(new)})
    return rows


def detail_sections(event: AuditEvent) -> list[tuple[str, str]]:
    """(title, whole JSON text) of each document the entry holds. A failed action shows what was asked and
    the API's error: it changed nothing, so it has no before/after."""
    if event.success:
        docs = (("Before", event.before), ("After", event.after), ("API response", event.api_response))
    else:
        docs = (("Attempted", event.requested), ("API error", event.api_response))
    return [(title, pretty_json(value)) for title, value in docs if value is not None]


class AuditEventDetailView(ViewerRequiredMixin, TemplateView):
    template_name = "audit/auditevent_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        event = get_object_or_404(AuditEvent.objects.select_related("user"), pk=kwargs["pk"])
        list_url = reverse("audit:auditevent_list")
        context.update(
            event=event,
            page_title=f"Audit entry #{event.pk}",
            changes=changed_keys(event.before, event.after) if event.success else [],
            sections=detail_sections(event),
            same_request_url=list_url + "?" + urlencode({"request_id": event.request_id})
            if event.request_id
            else "",
            same_object_url=list_url + "?" + urlencode({"object": event.object_id})
            if event.object_id
            else "",
        )
        return context
