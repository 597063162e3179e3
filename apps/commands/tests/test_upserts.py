import datetime as dt

import pytest

from apps.commands import services
from apps.commands.models import IpCommand, SmsCommand
from apps.core.upsert import UpsertResult

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)


def sms_item(i, **extra):
    return {
        "sid": f"HC{i:032x}",
        "account_sid": "AC" + "0" * 32,
        "sim_sid": "HS" + "1" * 32,
        "payload": f"hello {i}",
        "status": "queued",
        "direction": "to_sim",
        "date_created": "2024-01-01T00:00:00Z",
        "date_updated": "2024-01-01T00:00:00Z",
        "url": "x",
        **extra,
    }


def ip_item(i, **extra):
    return {
        "sid": f"HG{i:032x}",
        "account_sid": "AC" + "0" * 32,
        "sim_sid": "HS" + "1" * 32,
        "sim_iccid": "8988307000000000001",
        "status": "queued",
        "direction": "to_sim",
        "device_ip": "100.64.0.1",
        "device_port": 6000,
        "payload_type": "binary",
        "payload": "aGVsbG8=",
        "date_created": "2024-01-01T00:00:00Z",
        "date_updated": "2024-01-01T00:00:00Z",
        "url": "x",
        **extra,
    }


def test_sms_commands_upsert():
    items = [sms_item(i) for i in range(3)]
    assert services.sms_commands_upsert(items=items, run_id=1, now=NOW) == UpsertResult(created=3)
    items[0]["status"] = "delivered"
    assert services.sms_commands_upsert(items=items, run_id=2, now=NOW) == UpsertResult(
        updated=1, unchanged=2
    )
    c = SmsCommand.objects.get(sid=items[0]["sid"])
    assert c.status == "delivered" and c.direction == "to_sim" and c.payload == "hello 0"
    assert c.sim_id == "HS" + "1" * 32
    assert services.sms_command_from_api(data=sms_item(9)).pk


def test_ip_commands_upsert():
    assert services.ip_commands_upsert(items=[ip_item(1)], run_id=1, now=NOW) == UpsertResult(created=1)
    c = IpCommand.objects.get()
    assert (c.device_ip, c.device_port, c.payload_type, c.sim_iccid) == (
        "100.64.0.1",
        6000,
        "binary",
        "8988307000000000001",
    )
    c = services.ip_command_from_api(data=ip_item(1, status="received"))
    assert c.status == "received" and IpCommand.objects.count() == 1


@pytest.mark.parametrize("n", [10, 200])
def test_query_count_constant(n, django_assert_num_queries):
    with django_assert_num_queries(4):
        services.sms_commands_upsert(items=[sms_item(i) for i in range(n)], run_id=1, now=NOW)
    with django_assert_num_queries(4):
        services.ip_commands_upsert(items=[ip_item(i) for i in range(n)], run_id=1, now=NOW)
