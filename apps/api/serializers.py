"""What the API answers (read serializers, ``?fields=`` aware) and what it accepts (input serializers: they
document the request bodies; validation itself is the pages' own forms, so both refuse the same input)."""

from __future__ import annotations

from datetime import UTC

from rest_framework import serializers

from apps.audit.models import AuditEvent
from apps.commands.models import IpCommand, SmsCommand
from apps.core.models import Job, JobItem
from apps.esims.models import EsimProfile
from apps.fleets.models import Fleet
from apps.networks.models import Network, NetworkAccessProfile, NetworkAccessProfileNetwork
from apps.sims.models import Sim
from apps.sync.models import SyncRun

from .mixins import FieldsSerializerMixin
from .models import ApiToken


class TextChoiceField(serializers.CharField):
    """A model choice answered as plain text: values come from the Super SIM API and may be new ones."""

    def __init__(self, *, choices=None, html_cutoff=None, html_cutoff_text=None, **kwargs):
        super().__init__(**kwargs)


class Out(FieldsSerializerMixin, serializers.ModelSerializer):
    serializer_choice_field = TextChoiceField


# --- reads -------------------------------------------------------------------------------------------------
class SimSerializer(Out):
    fleet = serializers.CharField(source="fleet_id", allow_null=True, read_only=True)
    fleet_name = serializers.SerializerMethodField()
    network_access_profile = serializers.SerializerMethodField()

    class Meta:
        model = Sim
        fields = [
            "sid",
            "iccid",
            "unique_name",
            "status",
            "fleet",
            "fleet_name",
            "network_access_profile",
            "account_sid",
            "date_created",
            "date_updated",
            "synced_at",
            "removed_at",
        ]

    def get_fleet_name(self, sim) -> str | None:
        return sim.fleet.unique_name if sim.fleet_id and sim.fleet else None

    def get_network_access_profile(self, sim) -> str | None:
        return sim.fleet.network_access_profile_id if sim.fleet_id and sim.fleet else None


#: the columns of a SIM list row (apps.api.views.SimViewSet.list) and the answer field each becomes
SIM_ROW_FIELDS = {
    "sid": "sid",
    "iccid": "iccid",
    "unique_name": "unique_name",
    "status": "status",
    "fleet": "fleet_id",
    "fleet_name": "fleet__unique_name",
    "network_access_profile": "fleet__network_access_profile_id",
    "account_sid": "account_sid",
    "date_created": "date_created",
    "date_updated": "date_updated",
    "synced_at": "synced_at",
    "removed_at": "removed_at",
}
SIM_ROW_VALUES = ("id", *SIM_ROW_FIELDS.values())  # ``id``: the cursor's position


def _iso(value):
    """A datetime as DRF's DateTimeField answers it (ISO 8601, ``Z`` for UTC)."""
    if value is None:
        return None
    text = value.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def requested_fields(request) -> set[str] | None:
    wanted = request.query_params.get("fields", "").strip()
    return {n.strip() for n in wanted.split(",") if n.strip()} if wanted else None


def sim_row(row: dict, keep: set[str] | None = None) -> dict:
    """One ``values()`` row of :data:`SIM_ROW_VALUES` as the object :class:`SimSerializer` answers."""
    out = {}
    for name, column in SIM_ROW_FIELDS.items():
        if keep is not None and name not in keep:
            continue
        value = row[column]
        if name.startswith("date_") or name in ("synced_at", "removed_at"):
            value = _iso(value)
        elif name in ("fleet_name", "network_access_profile") and row["fleet_id"] is None:
            value = None
        out[name] = value
    return out


class FleetSerializer(Out):
    network_access_profile = serializers.CharField(
        source="network_access_profile_id", allow_null=True, read_only=True
    )

    class Meta:
        model = Fleet
        fields = [
            "sid",
            "unique_name",
            "account_sid",
            "network_access_profile",
            "data_enabled",
            "data_limit",
            "data_metering",
            "sms_commands_enabled",
            "sms_commands_url",
            "sms_commands_method",
            "ip_commands_url",
            "ip_commands_method",
            "date_created",
            "date_updated",
            "synced_at",
            "removed_at",
        ]


class NetworkSerializer(Out):
    identifiers = serializers.JSONField(read_only=True)

    class Meta:
        model = Network
        fields = ["sid", "friendly_name", "iso_country", "identifiers", "synced_at", "removed_at"]


class NapSerializer(Out):
    class Meta:
        model = NetworkAccessProfile
        fields = [
            "sid",
            "unique_name",
            "account_sid",
            "date_created",
            "date_updated",
            "synced_at",
            "removed_at",
        ]


class NapNetworkSerializer(Out):
    network = serializers.CharField(source="network_id", allow_null=True, read_only=True)
    identifiers = serializers.JSONField(read_only=True)

    class Meta:
        model = NetworkAccessProfileNetwork
        fields = ["sid", "network", "friendly_name", "iso_country", "identifiers", "synced_at", "removed_at"]


class EsimProfileSerializer(Out):
    sim = serializers.CharField(source="sim_id", allow_null=True, read_only=True)

    class Meta:
        model = EsimProfile
        fields = [
            "sid",
            "sim",
            "iccid",
            "eid",
            "status",
            "smdp_plus_address",
            "matching_id",
            "error_code",
            "error_message",
            "date_created",
            "date_updated",
            "synced_at",
            "removed_at",
        ]


class ActivationCodeSerializer(serializers.Serializer):
    sid = serializers.CharField()
    activation_code = serializers.CharField()
    smdp_plus_address = serializers.CharField()
    matching_id = serializers.CharField()


class SmsCommandSerializer(Out):
    sim = serializers.CharField(source="sim_id", allow_null=True, read_only=True)

    class Meta:
        model = SmsCommand
        fields = ["sid", "sim", "payload", "status", "direction", "date_created", "date_updated"]


class IpCommandSerializer(Out):
    sim = serializers.CharField(source="sim_id", allow_null=True, read_only=True)

    class Meta:
        model = IpCommand
        fields = [
            "sid",
            "sim",
            "sim_iccid",
            "payload",
            "payload_type",
            "device_ip",
            "device_port",
            "status",
            "direction",
            "date_created",
            "date_updated",
        ]


class JobSerializer(Out):
    created_by = serializers.CharField(source="created_by.username", allow_null=True, read_only=True)
    params = serializers.JSONField(read_only=True)

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "title",
            "status",
            "params",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
            "total",
            "processed",
            "succeeded",
            "failed",
            "error",
        ]


class JobItemSerializer(Out):
    result = serializers.JSONField(read_only=True)

    class Meta:
        model = JobItem
        fields = ["id", "seq", "key", "status", "result", "error", "attempts", "updated_at"]


class SyncRunSerializer(Out):
    triggered_by = serializers.CharField(source="triggered_by.username", allow_null=True, read_only=True)

    class Meta:
        model = SyncRun
        fields = [
            "id",
            "resource",
            "scope",
            "batch",
            "status",
            "source",
            "triggered_by",
            "created_at",
            "started_at",
            "finished_at",
            "pages",
            "items",
            "created",
            "updated",
            "unchanged",
            "removed",
            "errors",
            "error",
            "complete",
        ]


class SyncStartedSerializer(serializers.Serializer):
    runs = SyncRunSerializer(many=True, help_text="the queued runs, in the order they run")


class AuditEventSerializer(Out):
    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "timestamp",
            "username",
            "action",
            "source",
            "success",
            "object_type",
            "object_id",
            "object_repr",
            "message",
            "request_id",
            "path",
        ]


class AuditEventDetailSerializer(AuditEventSerializer):
    before = serializers.JSONField(read_only=True)
    after = serializers.JSONField(read_only=True)
    api_response = serializers.JSONField(read_only=True)
    requested = serializers.JSONField(read_only=True)

    class Meta(AuditEventSerializer.Meta):
        fields = [*AuditEventSerializer.Meta.fields, "before", "after", "api_response", "requested"]


class UsageSerializer(serializers.Serializer):
    """A chart's data as the usage page gets it (``points`` for the series, ``items`` for a breakdown)."""

    chart = serializers.CharField()
    scope = serializers.CharField()
    key = serializers.CharField(allow_null=True, allow_blank=True)
    start = serializers.DateField()
    end = serializers.DateField()
    note = serializers.CharField(allow_blank=True)
    currency = serializers.CharField(allow_blank=True)
    granularity = serializers.CharField(required=False, help_text="series only")
    group = serializers.CharField(required=False, help_text="breakdowns only")
    points = serializers.ListField(child=serializers.DictField(), required=False, help_text="series only")
    items = serializers.ListField(child=serializers.DictField(), required=False, help_text="breakdowns only")
    totals = serializers.DictField(required=False, help_text="series only")


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "scope", "created_at", "expires_at", "last_used_at", "revoked_at"]


# --- inputs (request bodies) --------------------------------------------------------------------------------
class SimStatusIn(serializers.Serializer):
    status = serializers.CharField(help_text="An allowed next state of the SIM's status (see the SIM page).")


class SimFleetIn(serializers.Serializer):
    fleet = serializers.CharField(help_text="The SID of a fleet (not the SIM's current one).")


class SimRenameIn(serializers.Serializer):
    unique_name = serializers.CharField(max_length=64)


class FleetIn(serializers.Serializer):
    unique_name = serializers.CharField(max_length=64)
    network_access_profile = serializers.CharField(help_text="NAP SID")
    data_limit = serializers.IntegerField(min_value=1, max_value=2_000_000, help_text="MB per SIM per period")
    data_enabled = serializers.BooleanField(required=False, help_text="create only")
    sms_commands_enabled = serializers.BooleanField(required=False, help_text="create only")
    sms_commands_url = serializers.URLField(required=False, allow_blank=True)
    sms_commands_method = serializers.ChoiceField(choices=["GET", "POST"], required=False)
    ip_commands_url = serializers.URLField(required=False, allow_blank=True)
    ip_commands_method = serializers.ChoiceField(choices=["GET", "POST"], required=False)


class FleetPatchIn(FleetIn):
    unique_name = serializers.CharField(max_length=64, required=False)
    network_access_profile = serializers.CharField(required=False)
    data_limit = serializers.IntegerField(min_value=1, max_value=2_000_000, required=False)


class NapIn(serializers.Serializer):
    unique_name = serializers.CharField(max_length=64)
    networks = serializers.ListField(child=serializers.CharField(), required=False, help_text="Network SIDs")


class NapRenameIn(serializers.Serializer):
    unique_name = serializers.CharField(max_length=64)


class NapNetworkIn(serializers.Serializer):
    network = serializers.CharField(help_text="Network SID")


class EsimProfileIn(serializers.Serializer):
    eid = serializers.CharField(required=False, allow_blank=True)
    generate_matching_id = serializers.BooleanField(required=False)


class SmsCommandIn(serializers.Serializer):
    sim = serializers.CharField(help_text="SID, ICCID or unique name of one SIM")
    payload = serializers.CharField(max_length=160)


class IpCommandIn(serializers.Serializer):
    sim = serializers.CharField(help_text="SID, ICCID or unique name of one SIM")
    payload = serializers.CharField()
    payload_type = serializers.ChoiceField(choices=["text", "base64", "hex"], required=False)
    device_port = serializers.IntegerField(min_value=1, max_value=65535)


class JobIn(serializers.Serializer):
    action = serializers.ChoiceField(choices=["status", "fleet"])
    value = serializers.CharField(help_text="The status, or the fleet SID")
    sids = serializers.ListField(child=serializers.CharField(), required=False, help_text="SIM SIDs")
    filter = serializers.DictField(
        child=serializers.CharField(), required=False, help_text="SIM list filters (q, status, fleet, nap)"
    )


class SyncRunIn(serializers.Serializer):
    resource = serializers.CharField(required=False, allow_blank=True, help_text="empty: everything")
