"""Resource -> JSON dicts as the spec's schemas, from a `.values(*FIELDS)` row (no per-row query)."""

from __future__ import annotations

from .api import account_sid, iso

SIM_FIELDS = ["sid", "unique_name", "iccid", "status", "fleet__sid", "date_created", "date_updated"]
FLEET_FIELDS = [
    "sid", "unique_name", "nap__sid", "data_enabled", "data_limit", "data_metering", "sms_commands_enabled",
    "sms_commands_url", "sms_commands_method", "ip_commands_url", "ip_commands_method", "date_created",
    "date_updated",
]  # fmt: skip
NAP_FIELDS = ["sid", "unique_name", "date_created", "date_updated"]
NETWORK_FIELDS = ["sid", "friendly_name", "iso_country", "identifiers"]
NAP_NETWORK_FIELDS = ["nap__sid", "network__sid", "network__friendly_name", "network__iso_country",
                      "network__identifiers"]  # fmt: skip
ESIM_FIELDS = [
    "sid", "iccid", "sim__sid", "status", "eid", "smdp_plus_address", "matching_id", "activation_code",
    "error_code", "error_message", "date_created", "date_updated",
]  # fmt: skip
SMS_FIELDS = ["sid", "sim__sid", "payload", "status", "direction", "date_created", "date_updated"]
IP_FIELDS = [
    "sid", "sim__sid", "sim__iccid", "status", "direction", "device_ip", "device_port", "payload_type",
    "payload", "date_created", "date_updated",
]  # fmt: skip
SETTINGS_FIELDS = ["sid", "sim__sid", "sim__iccid", "status", "packages", "date_completed", "date_created",
                   "date_updated"]  # fmt: skip


def sim(r: dict, root: str) -> dict:
    url = f"{root}/v1/Sims/{r['sid']}"
    return {
        "sid": r["sid"],
        "unique_name": r["unique_name"],
        "account_sid": account_sid(),
        "iccid": r["iccid"],
        "status": r["status"],
        "fleet_sid": r["fleet__sid"],
        "date_created": iso(r["date_created"]),
        "date_updated": iso(r["date_updated"]),
        "url": url,
        "links": {"billing_periods": f"{url}/BillingPeriods", "sim_ip_addresses": f"{url}/IpAddresses"},
    }


def fleet(r: dict, root: str) -> dict:
    return {
        "account_sid": account_sid(),
        "sid": r["sid"],
        "unique_name": r["unique_name"],
        "date_created": iso(r["date_created"]),
        "date_updated": iso(r["date_updated"]),
        "url": f"{root}/v1/Fleets/{r['sid']}",
        "data_enabled": r["data_enabled"],
        "data_limit": r["data_limit"],
        "data_metering": r["data_metering"],
        "sms_commands_enabled": r["sms_commands_enabled"],
        "sms_commands_url": r["sms_commands_url"],
        "sms_commands_method": r["sms_commands_method"],
        "network_access_profile_sid": r["nap__sid"],
        "ip_commands_url": r["ip_commands_url"],
        "ip_commands_method": r["ip_commands_method"],
    }


def nap(r: dict, root: str) -> dict:
    url = f"{root}/v1/NetworkAccessProfiles/{r['sid']}"
    return {
        "sid": r["sid"],
        "unique_name": r["unique_name"],
        "account_sid": account_sid(),
        "date_created": iso(r["date_created"]),
        "date_updated": iso(r["date_updated"]),
        "url": url,
        "links": {"networks": f"{url}/Networks"},
    }


def network(r: dict, root: str) -> dict:
    return {
        "sid": r["sid"],
        "friendly_name": r["friendly_name"],
        "url": f"{root}/v1/Networks/{r['sid']}",
        "iso_country": r["iso_country"],
        "identifiers": r["identifiers"],
    }


def nap_network(r: dict, root: str) -> dict:
    return {
        "sid": r["network__sid"],
        "network_access_profile_sid": r["nap__sid"],
        "friendly_name": r["network__friendly_name"],
        "iso_country": r["network__iso_country"],
        "identifiers": r["network__identifiers"],
        "url": f"{root}/v1/NetworkAccessProfiles/{r['nap__sid']}/Networks/{r['network__sid']}",
    }


def esim(r: dict, root: str) -> dict:
    return {
        "sid": r["sid"],
        "account_sid": account_sid(),
        "iccid": r["iccid"],
        "sim_sid": r["sim__sid"],
        "status": r["status"],
        "eid": r["eid"],
        "smdp_plus_address": r["smdp_plus_address"],
        "matching_id": r["matching_id"],
        "activation_code": r["activation_code"],
        "error_code": r["error_code"],
        "error_message": r["error_message"],
        "date_created": iso(r["date_created"]),
        "date_updated": iso(r["date_updated"]),
        "url": f"{root}/v1/ESimProfiles/{r['sid']}",
    }


def sms(r: dict, root: str) -> dict:
    return {
        "sid": r["sid"],
        "account_sid": account_sid(),
        "sim_sid": r["sim__sid"],
        "payload": r["payload"],
        "status": r["status"],
        "direction": r["direction"],
        "date_created": iso(r["date_created"]),
        "date_updated": iso(r["date_updated"]),
        "url": f"{root}/v1/SmsCommands/{r['sid']}",
    }


def ip(r: dict, root: str) -> dict:
    return {
        "sid": r["sid"],
        "account_sid": account_sid(),
        "sim_sid": r["sim__sid"],
        "sim_iccid": r["sim__iccid"],
        "status": r["status"],
        "direction": r["direction"],
        "device_ip": r["device_ip"],
        "device_port": r["device_port"],
        "payload_type": r["payload_type"],
        "payload": r["payload"],
        "date_created": iso(r["date_created"]),
        "date_updated": iso(r["date_updated"]),
        "url": f"{root}/v1/IpCommands/{r['sid']}",
    }


def settings_update(r: dict, root: str) -> dict:
    return {
        "sid": r["sid"],
        "iccid": r["sim__iccid"],
        "sim_sid": r["sim__sid"],
        "status": r["status"],
        "packages": r["packages"],
        "date_completed": iso(r["date_completed"]),
        "date_created": iso(r["date_created"]),
        "date_updated": iso(r["date_updated"]),
    }
