"""The sandbox's own tables (the emulated Super SIM account). No relation to the product's models.

Every resource is ordered by its integer primary key; list paging uses keyset tokens on it, so pages stay
correct while rows are added. SIDs are stored as given (two-letter prefix + 32 hex digits).
"""

from django.db import models


class SandboxModel(models.Model):
    class Meta:
        abstract = True

    def __str__(self) -> str:
        return str(getattr(self, "sid", None) or getattr(self, "iccid", None) or self.pk)


class Network(SandboxModel):
    sid = models.CharField(max_length=34, unique=True)
    friendly_name = models.CharField(max_length=100)
    iso_country = models.CharField(max_length=2, db_index=True)
    mcc = models.CharField(max_length=3, db_index=True)
    mnc = models.CharField(max_length=3, db_index=True)
    identifiers = models.JSONField(default=list)

    class Meta:
        ordering = ["id"]


class NetworkAccessProfile(SandboxModel):
    sid = models.CharField(max_length=34, unique=True)
    unique_name = models.CharField(max_length=64, unique=True, null=True, blank=True)
    networks = models.ManyToManyField(Network, through="NapNetwork", related_name="naps")
    date_created = models.DateTimeField()
    date_updated = models.DateTimeField()

    class Meta:
        ordering = ["id"]


class NapNetwork(SandboxModel):
    nap = models.ForeignKey(NetworkAccessProfile, on_delete=models.CASCADE, related_name="memberships")
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="memberships")

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["nap", "network"], name="sandbox_nap_network_unique")]


class Fleet(SandboxModel):
    sid = models.CharField(max_length=34, unique=True)
    unique_name = models.CharField(max_length=64, unique=True, null=True, blank=True)
    nap = models.ForeignKey(NetworkAccessProfile, on_delete=models.PROTECT, related_name="fleets")
    data_enabled = models.BooleanField(default=True)
    data_limit = models.IntegerField(default=1000)
    data_metering = models.CharField(max_length=10, default="payg")
    sms_commands_enabled = models.BooleanField(default=True)
    sms_commands_url = models.CharField(max_length=500, null=True, blank=True)
    sms_commands_method = models.CharField(max_length=4, default="POST")
    ip_commands_url = models.CharField(max_length=500, null=True, blank=True)
    ip_commands_method = models.CharField(max_length=4, default="POST")
    date_created = models.DateTimeField()
    date_updated = models.DateTimeField()

    class Meta:
        ordering = ["id"]


class Sim(SandboxModel):
    sid = models.CharField(max_length=34, unique=True)
    unique_name = models.CharField(max_length=64, unique=True, null=True, blank=True)
    iccid = models.CharField(max_length=22, unique=True)
    status = models.CharField(max_length=10, default="new")
    fleet = models.ForeignKey(Fleet, on_delete=models.SET_NULL, null=True, blank=True, related_name="sims")
    # Synthetic usage (see usage.py): bytes per weight unit, and the network the SIM attaches to.
    home_network = models.ForeignKey(Network, on_delete=models.SET_NULL, null=True, blank=True)
    rate_up = models.IntegerField(default=0)
    rate_down = models.IntegerField(default=0)
    ready_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    # A scheduled status change (UpdateSim answered 202): applied when due_at has passed.
    pending_status = models.CharField(max_length=10, null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    callback_url = models.CharField(max_length=500, null=True, blank=True)
    callback_method = models.CharField(max_length=4, default="POST")
    date_created = models.DateTimeField()
    date_updated = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["status", "id"], name="sandbox_sim_status_id"),
            models.Index(fields=["fleet", "id"], name="sandbox_sim_fleet_id"),
        ]


class InventorySim(SandboxModel):
    """A physical SIM that exists but is not on the account yet (CreateSim claims it with its code)."""

    iccid = models.CharField(max_length=22, unique=True)
    registration_code = models.CharField(max_length=20)
    claimed = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]


class EsimProfile(SandboxModel):
    sid = models.CharField(max_length=34, unique=True)
    iccid = models.CharField(max_length=22, null=True, blank=True)
    sim = models.ForeignKey(Sim, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=12, default="new")
    eid = models.CharField(max_length=32, null=True, blank=True, db_index=True)
    smdp_plus_address = models.CharField(max_length=200, null=True, blank=True)
    matching_id = models.CharField(max_length=64, null=True, blank=True)
    activation_code = models.CharField(max_length=300, null=True, blank=True)
    generate_matching_id = models.BooleanField(default=True)
    error_code = models.CharField(max_length=20, null=True, blank=True)
    error_message = models.CharField(max_length=200, null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    callback_url = models.CharField(max_length=500, null=True, blank=True)
    callback_method = models.CharField(max_length=4, default="POST")
    date_created = models.DateTimeField()
    date_updated = models.DateTimeField()

    class Meta:
        ordering = ["id"]


class SmsCommand(SandboxModel):
    sid = models.CharField(max_length=34, unique=True)
    sim = models.ForeignKey(Sim, on_delete=models.CASCADE, related_name="+")
    payload = models.TextField()
    status = models.CharField(max_length=10, default="queued")
    direction = models.CharField(max_length=8, default="to_sim")
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    callback_url = models.CharField(max_length=500, null=True, blank=True)
    callback_method = models.CharField(max_length=4, default="POST")
    date_created = models.DateTimeField()
    date_updated = models.DateTimeField()

    class Meta:
        ordering = ["id"]


class IpCommand(SandboxModel):
    sid = models.CharField(max_length=34, unique=True)
    sim = models.ForeignKey(Sim, on_delete=models.CASCADE, related_name="+")
    payload = models.TextField()
    payload_type = models.CharField(max_length=6, default="text")
    device_ip = models.CharField(max_length=45, null=True, blank=True)
    device_port = models.IntegerField()
    status = models.CharField(max_length=10, default="queued")
    direction = models.CharField(max_length=8, default="to_sim")
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    callback_url = models.CharField(max_length=500, null=True, blank=True)
    callback_method = models.CharField(max_length=4, default="POST")
    date_created = models.DateTimeField()
    date_updated = models.DateTimeField()

    class Meta:
        ordering = ["id"]


class SettingsUpdate(SandboxModel):
    sid = models.CharField(max_length=34, unique=True)
    sim = models.ForeignKey(Sim, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=12, default="scheduled")
    packages = models.JSONField(default=list)
    date_completed = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    date_created = models.DateTimeField()
    date_updated = models.DateTimeField()

    class Meta:
        ordering = ["id"]


class Callback(SandboxModel):
    """Outbox of status callbacks; delivered by services.run_due_transitions / the dispatcher thread."""

    url = models.CharField(max_length=500)
    method = models.CharField(max_length=4, default="POST")
    params = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True, db_index=True)
    attempts = models.IntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering = ["id"]


class AccessToken(SandboxModel):
    """A KORE-style OAuth2 bearer token issued by /sandbox/oauth2/token."""

    token = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()


class FaultConfig(SandboxModel):
    """Singleton (pk=1): injected faults, shared by every process that serves the sandbox."""

    rate_429 = models.FloatField(default=0.0)
    rate_500 = models.FloatField(default=0.0)
    rate_503 = models.FloatField(default=0.0)
    delay_ms = models.IntegerField(default=0)
    retry_after = models.IntegerField(default=1)
    fail_prefix = models.CharField(max_length=200, blank=True, default="")
    fail_page = models.IntegerField(null=True, blank=True)
    seed = models.IntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
