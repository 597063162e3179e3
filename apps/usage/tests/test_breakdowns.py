"""Breakdowns (top SIMs, by country, by network, by fleet) are of the chosen scope and window, with several
fleets' data side by side; the chart JSON and its CSV say the same. Every expected order is written out."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.urls import reverse

from .conftest import A1, A2, B1, B2, F1, F2, MB, N1, N2, N3, today


def _chart(client, chart: str, **query) -> dict:
    response = client.get(reverse("usage:usage_chart_data"), {"chart": chart, **query})
    assert response.status_code == 200, response.content
    return response.json()


def _keys(data: dict) -> list[tuple[str, int]]:
    return [(i["key"], i["total"] // MB) for i in data["items"]]


def test_account_breakdowns_cover_everything(viewer_client, usage_fleets):
    assert _keys(_chart(viewer_client, "top_sims")) == [(B1, 9), (A1, 5), (A2, 3), (B2, 3)]
    assert _keys(_chart(viewer_client, "countries")) == [("US", 12), ("DE", 8)]
    assert _keys(_chart(viewer_client, "networks")) == [(N3, 8), (N1, 6), (N2, 6)]
    assert _keys(_chart(viewer_client, "fleets")) == [(F2, 12), (F1, 8)]


def test_a_fleet_s_breakdowns_are_of_that_fleet_only(viewer_client, usage_fleets):
    one = {"scope": "fleet", "fleet": F1}
    assert _keys(_chart(viewer_client, "top_sims", **one)) == [(A1, 5), (A2, 3)]
    assert _keys(_chart(viewer_client, "top_sims", scope="fleet", fleet=F2)) == [(B1, 9), (B2, 3)]
    assert _keys(_chart(viewer_client, "fleets", **one)) == [(F1, 8)]
    for chart in ("countries", "networks"):  # not in the local data: nothing shown, and said so
        data = _chart(viewer_client, chart, **one)
        assert data["items"] == [] and "not known for one fleet" in data["note"], chart


def test_a_sim_s_breakdowns_are_of_that_sim_only(viewer_client, usage_fleets):
    data = _chart(viewer_client, "top_sims", scope="sim", sim="b2")
    assert _keys(data) == [(B2, 3)] and data["items"][0]["label"] == "b2"
    assert _chart(viewer_client, "countries", scope="sim", sim="b2")["items"] == []


def test_a_country_s_breakdowns_are_of_that_country_only(viewer_client, usage_fleets):
    us = {"scope": "isoCountry", "country": "us"}
    assert _keys(_chart(viewer_client, "networks", **us)) == [(N1, 6), (N2, 6)]
    assert _keys(_chart(viewer_client, "countries", **us)) == [("US", 12)]
    assert _keys(_chart(viewer_client, "networks", scope="isoCountry", country="DE")) == [(N3, 8)]
    assert _chart(viewer_client, "top_sims", **us)["items"] == []


def test_a_network_s_breakdowns_are_of_that_network_only(viewer_client, usage_fleets):
    three = {"scope": "network", "network": N3}
    assert _keys(_chart(viewer_client, "networks", **three)) == [(N3, 8)]
    countries = _chart(viewer_client, "countries", **three)
    assert _keys(countries) == [("DE", 8)] and countries["items"][0]["label"] == "Germany (DE)"
    assert _chart(viewer_client, "top_sims", **three)["items"] == []


def test_the_window_bounds_every_breakdown(viewer_client, usage_fleets):
    old = (today() - dt.timedelta(days=40)).date().isoformat()
    window = {"start": old, "end": old}
    assert _keys(_chart(viewer_client, "top_sims", **window)) == [(A1, 100)]
    assert _keys(_chart(viewer_client, "top_sims", scope="fleet", fleet=F2, **window)) == []


def test_the_csv_is_the_scoped_breakdown(viewer_client, usage_fleets):
    response = viewer_client.get(
        reverse("usage:usage_export_csv"), {"chart": "top_sims", "scope": "fleet", "fleet": F1}
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows == [
        ["key", "name", "data_upload", "data_download", "data_total", "billed_USD"],
        [A1, "a1", "1250000", "3750000", "5000000", "0.5"],
        [A2, "a2", "750000", "2250000", "3000000", "0.3"],
    ]
