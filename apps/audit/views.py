from apps.core.views import ObjectListView

from .filtersets import AuditEventFilterSet
from .models import AuditEvent
from .tables import AuditEventTable


class AuditEventListView(ObjectListView):
    queryset = AuditEvent.objects.order_by("-timestamp", "-id")
    filterset_class = AuditEventFilterSet
    table_class = AuditEventTable
    page_title = "Audit log"
