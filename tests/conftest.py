"""Cross-app fixtures: one object of each kind (factories), and the pages a user can open."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.urls import reverse

#: a unique name an attacker would like to see rendered as HTML
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>"\'&'
SECRET_TOKEN = "tok-THIS-MUST-NEVER-APPEAR-0123456789abcdef"
REGISTRATION_CODE = "REGCODE-NEVER-SHOWN-77"


@dataclass
class Site:
    """Objects of every kind, and the URLs of the pages to visit."""

    objects: dict = field(default_factory=dict)
    list_pages: list[str] = field(default_factory=list)
    detail_pages: list[str] = field(default_factory=list)
    other_pages: list[str] = field(default_factory=list)

    @property
    def pages(self) -> list[str]:
        return self.list_pages + self.detail_pages + self.other_pages


@pytest.fixture
def site(db, admin_member, settings) -> Site:
    from apps.audit.services import audit_record
    from apps.commands.tests.factories import IpCommandFactory, SmsCommandFactory
    from apps.core.models import Job, JobItem
    from apps.esims.tests.factories import EsimProfileFactory
    from apps.fleets.tests.factories import FleetFactory
    from apps.networks.tests.factories import NetworkAccessProfileNetworkFactory
    from apps.sims.tests.factories import BillingPeriodFactory, SimFactory
    from apps.sync.models import SyncRun
    from apps.usage.tests.factories import UsageRecordFactory

    settings.TWILIO_AUTH_TOKEN = SECRET_TOKEN
    fleet = FleetFactory(unique_name="fleet-" + HOSTILE)
    sim = SimFactory(fleet=fleet, unique_name="sim-" + HOSTILE)
    SimFactory.create_batch(3, fleet=fleet)
    BillingPeriodFactory(sim=sim)
    nap_network = NetworkAccessProfileNetworkFactory(nap__unique_name="nap-" + HOSTILE)
    esim = EsimProfileFactory(sim=sim)
    sms = SmsCommandFactory(sim=sim, payload="=cmd|' /C calc'!A0 " + HOSTILE)
    ip = IpCommandFactory(sim=sim)
    UsageRecordFactory(group_key=sim.sid)
    run = SyncRun.objects.create(resource="sims", status=SyncRun.Status.SUCCEEDED, items=4)
    job = Job.objects.create(
        kind="sims.onboard", title="Onboard " + HOSTILE, created_by=admin_member, total=2
    )
    JobItem.objects.create(job=job, seq=0, key="8988307000000000001", payload={"registration_code": "x"})
    JobItem.objects.create(
        job=job,
        seq=1,
        key="8988307000000000002",
        status=JobItem.Status.FAILED,
        error='=HYPERLINK("http://evil.example")',
        result={"note": "=1+1"},
    )
    event = audit_record(
        action="sim.register",
        user=admin_member,
        obj=sim,
        after={"iccid": sim.iccid, "registration_code": REGISTRATION_CODE, "note": HOSTILE},
        api_response={"auth": SECRET_TOKEN, "url": f"https://x/?t={SECRET_TOKEN}"},
        message=f"registered with token {SECRET_TOKEN}",
    )
    objects = {
        "fleet": fleet,
        "sim": sim,
        "nap": nap_network.nap,
        "network": nap_network.network,
        "esim": esim,
        "sms": sms,
        "ip": ip,
        "run": run,
        "job": job,
        "event": event,
    }
    lists = [
        "core:home",
        "sims:sim_list",
        "fleets:fleet_list",
        "networks:network_list",
        "networks:nap_list",
        "esims:esimprofile_list",
        "commands:command_list",
        "usage:usage_overview",
        "sync:syncrun_list",
        "audit:auditevent_list",
        "core:job_list",
        "events:event_list",
        "events:deadletter_list",
        "accounts:user_list",
    ]
    details = [o.get_absolute_url() for k, o in objects.items() if k != "event"]
    details.append(reverse("audit:auditevent_detail", kwargs={"pk": event.pk}))
    others = [
        reverse("sims:sim_register"),
        reverse("sims:sim_onboard_csv"),
        reverse("fleets:fleet_create"),
        reverse("networks:nap_create"),
        reverse("esims:esimprofile_create"),
        reverse("commands:sms_send"),
        reverse("commands:ip_send"),
        reverse("accounts:user_create"),
        reverse("accounts:user_detail", kwargs={"pk": admin_member.pk}),
        reverse("accounts:password_change"),
        reverse("accounts:mfa"),
        reverse("api_pages:token_list"),
        reverse("search:results") + "?q=si",
        reverse("savedviews:index"),
        reverse("events:map"),
        # not /api/v1/docs/: Swagger UI's own page (vendored, not our templates), checked in apps/api/tests
    ]
    return Site(
        objects=objects, list_pages=[reverse(n) for n in lists], detail_pages=details, other_pages=others
    )
