"""Deterministic seed data for the sandbox: NAPs, fleets, SIMs in every status, inventory, eSIMs, commands.

The same ``seed`` always gives the same SIDs, ICCIDs, names, statuses and dates (dates count from a fixed
base, not from "now"). 100,000 SIMs are written with ``bulk_create`` in a few seconds.
"""

from __future__ import annotations

import base64
import random
import string
from datetime import UTC, datetime, timedelta

from django.db import transaction

from .catalogue import ensure_networks
from .models import (
    Callback,
    EsimProfile,
    Fleet,
    InventorySim,
    IpCommand,
    NapNetwork,
    Network,
    NetworkAccessProfile,
    SettingsUpdate,
    Sim,
    SmsCommand,
)

BASE = datetime(2024, 1, 1, tzinfo=UTC)
BATCH = 5000


def _luhn(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return digits + str((10 - total % 10) % 10)


def sim_iccid(seed: int, i: int) -> str:
    return _luhn(f"8988307{seed % 100:02d}0{i:09d}")


#: Super SIM ICCID prefixes: the original hardware, and the new one shipped since Q3 2025
ICCID_PREFIXES = ("8988307", "8910392")


def inventory_iccid(seed: int, i: int) -> str:
    """Unclaimed SIMs alternate between both hardware prefixes (even i: 8988307, odd i: 8910392)."""
    return _luhn(f"{ICCID_PREFIXES[i % 2]}{seed % 100:02d}1{i:09d}")


def reset() -> None:
    with transaction.atomic():
        for model in (Callback, SettingsUpdate, IpCommand, SmsCommand, EsimProfile, Sim, InventorySim, Fleet):
            model.objects.all().delete()
        NapNetwork.objects.all().delete()
        NetworkAccessProfile.objects.all().delete()


def seed(*, sims: int, fleets: int, seed: int = 1, inventory: int | None = None) -> dict:
    ensure_networks()
    rng = random.Random(seed)  # noqa: S311

    def sid(prefix: str) -> str:
        return f"{prefix}{rng.getrandbits(128):032x}"

    def when(max_days: int = 365) -> datetime:
        return BASE + timedelta(seconds=rng.randrange(max_days * 86400))

    networks = list(Network.objects.order_by("id").values_list("id", flat=True))
    counts: dict = {}
    with transaction.atomic():
        # Network Access Profiles: a few, each with 5-20 networks.
        naps, nap_networks = [], {}
        for i in range(max(2, min(50, fleets // 4 + 1))):
            at = when(30)
            naps.append(
                NetworkAccessProfile(
                    sid=sid("HA"), unique_name=f"nap-{i + 1:02d}", date_created=at, date_updated=at
                )
            )
        NetworkAccessProfile.objects.bulk_create(naps)
        links = []
        for nap in naps:
            chosen = rng.sample(networks, min(len(networks), rng.randint(5, 20)))
            nap_networks[nap.pk] = chosen
            links += [NapNetwork(nap=nap, network_id=n) for n in chosen]
        NapNetwork.objects.bulk_create(links)
        counts["network_access_profiles"] = len(naps)

        fleet_rows = []
        for i in range(fleets):
            at = when(60)
            fleet_rows.append(
                Fleet(
                    sid=sid("HF"),
                    unique_name=f"fleet-{i + 1:03d}",
                    nap=naps[i % len(naps)],
                    data_enabled=rng.random() > 0.1,
                    data_limit=rng.choice([50, 250, 1000, 5000, 20000]),
                    sms_commands_enabled=rng.random() > 0.2,
                    sms_commands_url=f"https://example.com/fleets/{i + 1}/sms"
                    if rng.random() > 0.5
                    else None,
                    ip_commands_url=f"https://example.com/fleets/{i + 1}/ip" if rng.random() > 0.5 else None,
                    date_created=at,
                    date_updated=at,
                )
            )
        Fleet.objects.bulk_create(fleet_rows)
        counts["fleets"] = len(fleet_rows)

        sim_rows = []
        for i in range(sims):
            roll = rng.random()
            status = (
                "active" if roll < 0.6 else "ready" if roll < 0.75 else "inactive" if roll < 0.85 else "new"
            )
            fleet = rng.choice(fleet_rows) if fleet_rows and (status != "new" or rng.random() < 0.5) else None
            if fleet is None and status != "new":
                status = "new"
            created = when(300)
            ready_at = created + timedelta(days=rng.randint(0, 20)) if status != "new" else None
            activated_at = (
                ready_at + timedelta(days=rng.randint(0, 20)) if status in ("active", "inactive") else None
            )
            pool = nap_networks[fleet.nap_id] if fleet else networks
            sim_rows.append(
                Sim(
                    sid=sid("HS"),
                    unique_name=f"sim-{i + 1:06d}" if i % 10 == 0 else None,
                    iccid=sim_iccid(seed, i),
                    status=status,
                    fleet=fleet,
                    home_network_id=pool[rng.randrange(len(pool))] if pool else None,
                    rate_up=rng.randint(200, 2000),
                    rate_down=rng.randint(1000, 20000),
                    ready_at=ready_at,
                    activated_at=activated_at,
                    date_created=created,
                    date_updated=activated_at or ready_at or created,
                )
            )
        Sim.objects.bulk_create(sim_rows, batch_size=BATCH)
        counts["sims"] = len(sim_rows)

        inventory = max(20, sims // 20) if inventory is None else inventory
        alphabet = string.ascii_uppercase + string.digits
        InventorySim.objects.bulk_create(
            [
                InventorySim(
                    iccid=inventory_iccid(seed, i), registration_code="".join(rng.choices(alphabet, k=10))
                )
                for i in range(inventory)
            ],
            batch_size=BATCH,
        )
        counts["inventory"] = inventory

        sample = sim_rows[: max(1, min(len(sim_rows), 400))]
        esims = []
        for i in range(min(40, sims // 20 + 5)):
            at = when(300)
            status = rng.choice(["available", "available", "downloaded", "installed", "failed", "reserving"])
            matching = f"{rng.getrandbits(80):020X}"
            ready = status in ("available", "downloaded", "installed")
            esims.append(
                EsimProfile(
                    sid=sid("HP"),
                    iccid=_luhn(f"8988307{seed % 100:02d}2{i:09d}"),
                    eid=f"{rng.getrandbits(100):032d}"[-32:].rjust(32, "8"),
                    status=status,
                    smdp_plus_address="https://sm-dp-plus.sandbox.supersim.invalid" if ready else None,
                    matching_id=matching if ready else None,
                    activation_code=f"LPA:1$sm-dp-plus.sandbox.supersim.invalid${matching}"
                    if ready
                    else None,
                    error_code="83401" if status == "failed" else None,
                    error_message="The eSIM profile could not be reserved" if status == "failed" else None,
                    due_at=at if status == "reserving" else None,
                    date_created=at,
                    date_updated=at,
                )
            )
        EsimProfile.objects.bulk_create(esims)
        counts["esim_profiles"] = len(esims)

        sms, ips, updates = [], [], []
        if sample:
            for _ in range(min(300, sims // 5 + 10)):
                at = when(300)
                direction = "to_sim" if rng.random() < 0.7 else "from_sim"
                status = (
                    rng.choice(["delivered", "delivered", "sent", "failed", "queued"])
                    if direction == "to_sim"
                    else "received"
                )
                sms.append(
                    SmsCommand(
                        sid=sid("HC"),
                        sim=rng.choice(sample),
                        direction=direction,
                        status=status,
                        payload=rng.choice(["ping", "reboot", "status?", "fw:update 2.1", "ok"]),
                        due_at=at if status in ("queued", "sent") else None,
                        date_created=at,
                        date_updated=at,
                    )
                )
            for _ in range(min(300, sims // 5 + 10)):
                at = when(300)
                direction = "to_sim" if rng.random() < 0.7 else "from_sim"
                status = (
                    rng.choice(["received", "sent", "failed", "queued"])
                    if direction == "to_sim"
                    else "received"
                )
                sim = rng.choice(sample)
                payload = rng.choice(["hello", "reading=21.5", "cmd:restart"])
                from_device = direction == "from_sim"  # device-originated: always binary (base64)
                ips.append(
                    IpCommand(
                        sid=sid("HG"),
                        sim=sim,
                        direction=direction,
                        status=status,
                        payload=base64.b64encode(payload.encode()).decode() if from_device else payload,
                        payload_type="binary" if from_device else "text",
                        device_ip=None if status == "queued" else f"10.64.0.{sim.pk % 250 + 1}",
                        device_port=rng.choice([4242, 6000, 8080]),
                        due_at=at if status in ("queued", "sent") else None,
                        date_created=at,
                        date_updated=at,
                    )
                )
            for _ in range(min(100, sims // 10 + 5)):
                at = when(300)
                status = rng.choice(["successful", "successful", "failed", "in-progress", "scheduled"])
                done = status in ("successful", "failed")
                updates.append(
                    SettingsUpdate(
                        sid=sid("OB"),
                        sim=rng.choice(sample),
                        status=status,
                        packages=[{"name": "base-settings", "version": "1.1.0", "extensions": []}],
                        date_completed=at + timedelta(minutes=5) if done else None,
                        due_at=at if not done else None,
                        date_created=at,
                        date_updated=at,
                    )
                )
        SmsCommand.objects.bulk_create(sms)
        IpCommand.objects.bulk_create(ips)
        SettingsUpdate.objects.bulk_create(updates)
        counts.update(sms_commands=len(sms), ip_commands=len(ips), settings_updates=len(updates))
    return counts


def inventory_unclaimed() -> int:
    """How many physical SIMs of the inventory no CreateSim has claimed yet."""
    return InventorySim.objects.filter(claimed=False).count()


def inventory_sample(n: int = 5) -> list[tuple[str, str]]:
    """The first ``n`` unclaimed (ICCID, registration code) pairs, oldest first (CreateSim claims them)."""
    return list(
        InventorySim.objects.filter(claimed=False)
        .order_by("id")
        .values_list("iccid", "registration_code")[:n]
    )
