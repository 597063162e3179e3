"""The usage sync asks only for windows the API accepts: Group=sim over at most 31 days (Twilio 83603),
Granularity=day over at most 3 months (83604) - a first sync of 90 days is split."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from apps.sync import services
from apps.sync.models import SyncRun
from apps.usage.models import UsageRecord


def test_daily_queries_are_split_in_windows_of_31_days():
    now = datetime(2026, 3, 1, 15, 30, tzinfo=UTC)
    start = datetime(2025, 12, 1, tzinfo=UTC)  # 90 days before
    queries = services.usage_queries(now=now, daily_start=start)
    for group in ("sim", "account", "fleet", "network", "isoCountry"):
        daily = [q for q in queries if q.group == group and q.granularity == "day"]
        assert [(q.start, q.end) for q in daily] == [
            (start, start + timedelta(days=31)),
            (start + timedelta(days=31), start + timedelta(days=62)),
            (start + timedelta(days=62), datetime(2026, 3, 2, tzinfo=UTC)),
        ]
    assert len({q.name for q in queries}) == len(queries)  # each its own scope
    hourly = [q for q in queries if q.granularity == "hour"]
    assert len(hourly) == 4 and all(q.end - q.start <= timedelta(days=3) for q in hourly)


@pytest.mark.django_db(transaction=True)
def test_a_first_usage_sync_of_90_days_succeeds(sandbox_api, settings):
    settings.SUPERSIM_RETRY_BACKOFF = 0.01
    settings.SUPERSIM_MAX_RETRIES = 1
    settings.SYNC_USAGE_INITIAL_DAYS = 90
    settings.SYNC_USAGE_HOURLY_DAYS = 1
    call_command("sandbox_seed", sims=4, fleets=1, seed=3, inventory=0, stdout=io.StringIO())
    runs = services.sync_all(runs=services.runs_create(resources=["networks", "fleets", "sims", "usage"]))
    usage = next(r for r in runs if r.resource == "usage")
    assert usage.status == SyncRun.Status.SUCCEEDED, usage.error
    assert usage.window_end - usage.window_start == timedelta(days=91)
    days = set(
        UsageRecord.objects.filter(group="account", granularity="day").values_list("period_start", flat=True)
    )
    assert len(days) == 91  # every day of the window, across the three requests
