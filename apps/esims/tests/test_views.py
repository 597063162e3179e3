"""eSIM pages: list + filter, create (validation, API refusal), live status through reserving -> available,
failed with its error, link to the SIM, print sheet, permissions; API paths over real HTTP (sandbox)."""

from __future__ import annotations

import io
import time
from html import unescape

import pytest
from django.core.management import call_command

from apps.audit.models import AuditEvent
from apps.core.testing import ListViewTests
from apps.esims.models import EsimProfile
from apps.esims.services import esim_profile_from_api
from apps.esims.tests.factories import EsimProfileFactory
from apps.sims.services import sim_from_api
from apps.supersim.client import get_client

EID = "89049032005008882600033418894366"


def seed_sandbox():
    call_command("sandbox_seed", sims=30, fleets=3, seed=7, stdout=io.StringIO())


def poll(client, profile: EsimProfile):
    return client.get(f"/esims/{profile.sid}/status/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="esim-status")


# --- list ------------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_list_filters_by_status_and_viewers_see_it(viewer_client):
    EsimProfileFactory(status="available")
    EsimProfileFactory(status="reserving", activation_code="", matching_id="")
    failed = EsimProfileFactory(status="failed", activation_code="", error_code="83401")
    page = viewer_client.get("/esims/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('name="sid"') == 3 and 'form="esim-print-form"' in html
    assert "New eSIM profile" not in html  # viewers cannot create
    partial = viewer_client.get("/esims/?status=failed", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="object-list")
    body = partial.content.decode()
    assert "<html" not in body and failed.sid in body and body.count('name="sid"') == 1
    assert "HX-Request" in partial["Vary"]


@pytest.mark.django_db
def test_list_search_by_sid_iccid_eid_or_sim(viewer_client):
    """The search box answers (it was a 500 for any text: ``sim_id__iexact`` on a foreign key)."""
    profile = EsimProfileFactory(status="available")
    other = EsimProfileFactory(status="available")
    for text in (profile.sid, profile.iccid, profile.eid, profile.sim_id):
        page = viewer_client.get("/esims/", {"q": text})
        assert page.status_code == 200, text
        html = page.content.decode()
        assert profile.sid in html and other.sid not in html, text


@pytest.mark.django_db
def test_list_query_count_is_fixed(operator_client, django_assert_num_queries):
    EsimProfileFactory.create_batch(3)
    operator_client.get("/esims/")  # warm the session
    with django_assert_num_queries(6):  # session, user, permissions (2), the total, a page of profiles + SIMs
        assert operator_client.get("/esims/").status_code == 200
    EsimProfile.objects.bulk_create(
        [
            # SIDs far above the factory's sequence (which goes on across the tests of a run)
            EsimProfile(
                sid=f"HP{0xBEEF0000 + i:032x}",
                status="available",
                iccid=f"8988{i:015d}",
                sim_id=f"HS{0xBEEF0000 + i:032x}",
            )
            for i in range(10, 2010)
        ]
    )
    with django_assert_num_queries(6):
        html = operator_client.get("/esims/?per_page=100").content.decode()
    assert html.count('name="sid"') == 100


# --- create: validation ------------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"eid": "8904903200500888260003341889436X"},
            "The EID may contain digits only; it contains 'X' at position 32.",
        ),
        ({"eid": "890490320050088826"}, "The EID must be exactly 32 digits long; this one has 18."),
        ({"eid": "", "generate_matching_id": ""}, "Give the device's EID, or tick 'Generate a matching ID'"),
    ],
)
def test_create_form_errors(operator_client, data, message):
    response = operator_client.post("/esims/new/", data, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="esim-create")
    assert response.status_code == 422
    assert message in unescape(response.content.decode())
    assert not EsimProfile.objects.exists()


@pytest.mark.django_db
def test_viewer_cannot_create_but_can_read(viewer_client):
    profile = EsimProfileFactory()
    assert viewer_client.get("/esims/new/").status_code == 403
    assert viewer_client.post("/esims/new/", {"eid": EID}).status_code == 403
    assert viewer_client.get(f"/esims/{profile.sid}/").status_code == 200
    assert viewer_client.get(f"/esims/{profile.sid}/qr.png").status_code == 200
    assert viewer_client.get(f"/esims/{profile.sid}/qr.svg").status_code == 200
    assert viewer_client.get(f"/esims/print/?sid={profile.sid}").status_code == 200
    assert AuditEvent.objects.filter(action="access.denied").count() == 2


# --- create + live status over real HTTP ------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
@pytest.mark.providers
def test_create_for_an_eid_then_watch_it_become_available(sandbox_api, operator_client, settings):
    seed_sandbox()
    settings.SANDBOX_SCHEDULE_DELAY_SECONDS = 0.6
    response = operator_client.post(
        "/esims/new/", {"eid": EID, "generate_matching_id": "on"}, HTTP_HX_REQUEST="true"
    )
    profile = EsimProfile.objects.get()
    assert response.status_code == 200 and response["HX-Redirect"] == f"/esims/{profile.sid}/"
    assert "esimProfileCreated" in response["HX-Trigger"]
    assert profile.eid == EID and profile.status == "new"
    event = AuditEvent.objects.get(action="esim_profile.create")
    assert event.success and event.object_id == profile.sid

    page = operator_client.get(f"/esims/{profile.sid}/").content.decode()
    assert 'hx-trigger="every 2s"' in page and "The QR code appears here" in page

    seen = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        EsimProfile.objects.filter(pk=profile.pk).update(synced_at=None)  # skip the 1 s refresh throttle
        answer = poll(operator_client, profile)
        profile.refresh_from_db()
        seen.append(profile.status)
        if answer.status_code == 286:
            break
        assert answer.status_code == 200 and 'hx-trigger="every 2s"' in answer.content.decode()
        time.sleep(0.25)
    assert "reserving" in seen and seen[-1] == "available"
    assert "esimProfileUpdated" in answer["HX-Trigger"]
    html = answer.content.decode()
    assert "hx-get" not in html  # polling stops
    assert profile.activation_code.startswith("LPA:1$") and profile.activation_code in html
    assert profile.matching_id in html and profile.smdp_plus_address in html
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html and "style=" not in html
    # the profile created a SIM: once synced, the page links to it
    assert profile.sim_id and profile.sim_id in html
    sim_from_api(data=get_client().sim_fetch(profile.sim_id))
    detail = operator_client.get(f"/esims/{profile.sid}/").content.decode()
    assert f'href="/sims/{profile.sim_id}/"' in detail


@pytest.mark.django_db(transaction=True)
@pytest.mark.providers
def test_create_with_a_generated_matching_id(sandbox_api, operator_client, settings):
    seed_sandbox()
    settings.SANDBOX_SCHEDULE_DELAY_SECONDS = 0
    response = operator_client.post("/esims/new/", {"generate_matching_id": "on"})
    profile = EsimProfile.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/esims/{profile.sid}/"
    assert profile.eid == ""
    EsimProfile.objects.filter(pk=profile.pk).update(synced_at=None)
    assert poll(operator_client, profile).status_code == 286
    profile.refresh_from_db()
    assert profile.status == "available" and profile.activation_code.endswith(profile.matching_id)


@pytest.mark.django_db(transaction=True)
def test_api_refusal_is_shown_and_nothing_stored(sandbox_api, operator_client):
    seed_sandbox()
    call_command("sandbox_faults", rate_500=1.0, stdout=io.StringIO())
    try:
        response = operator_client.post("/esims/new/", {"eid": EID}, HTTP_HX_REQUEST="true")
    finally:
        call_command("sandbox_faults", clear=True, stdout=io.StringIO())
    assert response.status_code == 422
    html = response.content.decode()
    assert "The API refused the profile" in html and "HTTP 500" in html
    assert not EsimProfile.objects.exists()
    event = AuditEvent.objects.get(action="esim_profile.create")
    assert event.success is False and event.api_response["status"] == 500


@pytest.mark.django_db(transaction=True)
def test_a_failed_profile_shows_its_error_and_polling_stops(sandbox_api, viewer_client):
    seed_sandbox()
    failed = [esim_profile_from_api(data=d) for d in get_client().esim_profiles_list(status="failed")]
    assert failed
    profile = failed[0]
    page = viewer_client.get(f"/esims/{profile.sid}/").content.decode()
    assert 'hx-trigger="every 2s"' not in page and "data-esim-error" in page
    assert "83401: The eSIM profile could not be reserved" in page
    answer = poll(viewer_client, profile)
    assert answer.status_code == 286


# --- print sheet --------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_print_sheet_of_selected_profiles(viewer_client):
    a, b = EsimProfileFactory.create_batch(2, status="available")
    waiting = EsimProfileFactory(status="reserving", activation_code="", matching_id="")
    EsimProfileFactory(status="available")  # not selected
    response = viewer_client.get(f"/esims/print/?sid={b.sid}&sid={a.sid}&sid={waiting.sid}&sid=HPnope")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="esim-card"') == 2
    assert html.index(b.sid) < html.index(a.sid)  # in the order selected
    assert a.activation_code in html and b.matching_id in html
    assert "Not printed (no activation code yet)" in html and waiting.sid in html
    assert "style=" not in html and "data-print-page" in html and "css/esims.css" in html
    empty = viewer_client.get("/esims/print/").content.decode()
    assert "No profile selected" in empty


def test_print_css_has_a_print_media_query():
    from django.contrib.staticfiles import finders

    with open(finders.find("css/esims.css")) as f:
        css = f.read()
    assert "@media print" in css and ".no-print" in css


@pytest.mark.django_db
def test_unknown_profile_is_404(viewer_client):
    assert viewer_client.get("/esims/HP00000000000000000000000000000000/").status_code == 404


class TestEsimProfileList(ListViewTests):
    url_name = "esims:esimprofile_list"

    def make_rows(self):
        kept, dropped = EsimProfileFactory(), EsimProfileFactory()
        self.filter_query = f"q={kept.sid}"
        return kept.sid, dropped.sid
