"""One formatter of data sizes (apps.core.units): the same text for a data limit on every page."""

import pytest
from django.urls import reverse

from apps.core.units import data_size, data_size_mb
from apps.fleets.tests.factories import FleetFactory
from apps.sims.tests.factories import SimFactory


def test_data_size():
    assert data_size(0) == "0 B"
    assert data_size(999) == "999 B"
    assert data_size(1_234_567) == "1.23 MB"
    assert data_size(20_000_000_000) == "20 GB"
    assert data_size(1_500_000_000) == "1.5 GB"
    assert data_size(999_996) == "1 MB"  # rounds into the next unit, not "1,000 kB"
    assert data_size(2_000_000_000_000_000_000) == "2,000 PB"
    assert data_size(None) == data_size("x") == "—"
    assert data_size_mb(20_000) == "20 GB" and data_size_mb(750) == "750 MB" and data_size_mb(None) == "—"
    assert data_size_mb(2_000_000) == "2 TB"


@pytest.mark.django_db
def test_a_data_limit_reads_the_same_on_every_page(viewer_client):
    """20,000 MB read "20000 MB" on the SIM page and "20 GB" on the fleet pages."""
    fleet = FleetFactory(unique_name="twenty", data_limit=20_000)
    sim = SimFactory(fleet=fleet)
    pages = {
        "fleet list": reverse("fleets:fleet_list"),
        "fleet detail": reverse("fleets:fleet_detail", kwargs={"sid": fleet.sid}),
        "SIM detail": reverse("sims:sim_detail", kwargs={"sid": sim.sid}),
    }
    for name, url in pages.items():
        html = viewer_client.get(url).content.decode()
        assert "20 GB" in html, name
        assert "20000 MB" not in html and "20,000 MB" not in html and "20.00 GB" not in html, name
