"""The resources the sync engine knows, in dependency order.

Each :class:`Resource` names the API list path, the ``meta.key`` of its pages, fixed list parameters, and the
dotted paths of its upsert / sweep services (written in the resource's own app; imported lazily):

* upsert: ``f(*, items: list[dict], run_id: int, now: datetime, seen: set) -> apps.core.upsert.UpsertResult``
  (``seen``: the run's set of keys, filled by the upsert; passed only to resources that have a sweep)
* sweep: ``f(*, run_id: int, now: datetime, seen: set) -> int`` (rows marked removed: live rows whose key
  is not in ``seen``); for a resource with ``paged``, also ``candidates=`` (the keys live when the run
  started that no page had: ``PagedUpsert.unseen()``) and ``changed=`` (whether the run wrote any row)

``kind`` picks the runner in :mod:`apps.sync.services`: ``"list"`` (one list, paged), ``"per_nap"`` (the
Networks of every Network Access Profile, upsert/sweep get ``nap_sid=``), ``"usage"`` (windows of usage
records, see ``services.usage_queries``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Resource:
    name: str
    label: str
    path: str
    key: str
    upsert: str
    sweep: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    depends_on: tuple[str, ...] = ()
    kind: str = "list"
    #: dotted path of ``f(*, run_id, now, seen) -> apps.core.upsert.PagedUpsert``: the run's upsert in two
    #: halves, ``prepare`` (hashing, comparing, row building) in a background thread and ``write`` here;
    #: used instead of ``upsert`` by the ``"list"`` runner
    paged: str | None = None

    def upsert_func(self):
        return import_string(self.upsert)

    def paged_func(self):
        return import_string(self.paged) if self.paged else None

    def sweep_func(self):
        return import_string(self.sweep) if self.sweep else None


RESOURCES: dict[str, Resource] = {
    r.name: r
    for r in [
        Resource(
            name="networks",
            label="Networks",
            path="Networks",
            key="networks",
            upsert="apps.networks.services.networks_upsert",
            sweep="apps.networks.services.networks_sweep",
        ),
        Resource(
            name="naps",
            label="Network Access Profiles",
            path="NetworkAccessProfiles",
            key="network_access_profiles",
            upsert="apps.networks.services.naps_upsert",
            sweep="apps.networks.services.naps_sweep",
        ),
        Resource(
            name="nap_networks",
            label="NAP networks",
            path="NetworkAccessProfiles/{nap_sid}/Networks",
            key="networks",
            upsert="apps.networks.services.nap_networks_upsert",
            sweep="apps.networks.services.nap_networks_sweep",
            depends_on=("naps", "networks"),
            kind="per_nap",
        ),
        Resource(
            name="fleets",
            label="Fleets",
            path="Fleets",
            key="fleets",
            upsert="apps.fleets.services.fleets_upsert",
            sweep="apps.fleets.services.fleets_sweep",
            depends_on=("naps",),
        ),
        Resource(
            name="sims",
            label="SIMs",
            path="Sims",
            key="sims",
            upsert="apps.sims.services.sims_upsert",
            sweep="apps.sims.services.sims_sweep",
            paged="apps.sims.services.sims_paged_upsert",
            depends_on=("fleets",),
        ),
        Resource(
            name="settings_updates",
            label="Settings updates",
            path="SettingsUpdates",
            key="settings_updates",
            upsert="apps.sims.services.settings_updates_upsert",
            sweep="apps.sims.services.settings_updates_sweep",
            depends_on=("sims",),
        ),
        Resource(
            name="esim_profiles",
            label="eSIM profiles",
            path="ESimProfiles",
            key="esim_profiles",
            upsert="apps.esims.services.esim_profiles_upsert",
            sweep="apps.esims.services.esim_profiles_sweep",
            depends_on=("sims",),
        ),
        Resource(
            name="sms_commands",
            label="SMS commands",
            path="SmsCommands",
            key="sms_commands",
            upsert="apps.commands.services.sms_commands_upsert",
            depends_on=("sims",),
        ),
        Resource(
            name="ip_commands",
            label="IP commands",
            path="IpCommands",
            key="ip_commands",
            upsert="apps.commands.services.ip_commands_upsert",
            depends_on=("sims",),
        ),
        Resource(
            name="usage",
            label="Usage records",
            path="UsageRecords",
            key="usage_records",
            upsert="apps.usage.services.usage_records_upsert",
            depends_on=("sims", "fleets", "networks"),
            kind="usage",
        ),
    ]
}

#: SIM details (billing periods, IP addresses): per SIM, on demand, never part of ``sync_all``.
SIM_DETAILS = "sim_details"

RESOURCE_CHOICES = [(r.name, r.label) for r in RESOURCES.values()] + [(SIM_DETAILS, "SIM details")]
#: the one table of human labels for resource keys ("nap_networks" -> "NAP networks"): every page that shows
#: a resource uses it (``resource_label``, the ``|resource_label`` template filter)
RESOURCE_LABELS: dict[str, str] = dict(RESOURCE_CHOICES)


def resource_label(name: str) -> str:
    """``"nap_networks"`` -> ``"NAP networks"``; an unknown key is returned as it is."""
    return RESOURCE_LABELS.get(name, name)


def ordered(names: list[str] | None = None) -> list[Resource]:
    """Resources in dependency order (all of them, or those named)."""
    wanted = set(names) if names else set(RESOURCES)
    unknown = wanted - set(RESOURCES)
    if unknown:
        raise KeyError(f"unknown resource(s): {', '.join(sorted(unknown))}")
    done: list[str] = []

    def visit(name: str, stack: tuple[str, ...] = ()) -> None:
        if name in done:
            return
        if name in stack:
            raise ValueError(f"dependency cycle: {' -> '.join((*stack, name))}")
        for dep in RESOURCES[name].depends_on:
            visit(dep, (*stack, name))
        done.append(name)

    for name in RESOURCES:  # stable: registry order, dependencies first
        visit(name)
    return [RESOURCES[n] for n in done if n in wanted]
