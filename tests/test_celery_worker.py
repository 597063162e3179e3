"""Tier 2: a task makes a round trip through Redis and a real Celery worker process."""

import pytest

from supersim_admin.celery import ping

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_round_trip_through_the_worker(celery_worker_process):
    result = ping.delay("hello from the tests")
    assert result.get(timeout=30) == "hello from the tests"
    assert celery_worker_process.poll() is None  # a separate, live process did the work
