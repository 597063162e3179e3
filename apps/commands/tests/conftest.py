from __future__ import annotations

import pytest


@pytest.fixture
def active_sim(synced):
    from apps.sims.models import Sim

    sim = Sim.objects.filter(status="active").order_by("sid").first()
    assert sim is not None
    return sim
