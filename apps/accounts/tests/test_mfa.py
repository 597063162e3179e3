"""Two-factor login (TOTP + recovery codes): enrolment, the login's second step, django-axes lockouts on
failed codes, MFA_REQUIRED forcing enrolment, admin reset. Codes are computed with pyotp, as an app would."""

from __future__ import annotations

import re
import time
from base64 import b32encode

import pyotp
import pytest
from axes.models import AccessAttempt
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts import mfa
from apps.accounts.models import RecoveryCode
from apps.audit.models import AuditEvent
from apps.core.testing import PASSWORD

pytestmark = pytest.mark.django_db


def totp_of(device) -> pyotp.TOTP:
    return pyotp.TOTP(b32encode(device.bin_key).decode())


def next_code(totp: pyotp.TOTP) -> str:
    """The code of the next 30-second step: accepted (tolerance 1) and never the one just used."""
    return totp.at(time.time() + 30)


def enrol(user) -> tuple[pyotp.TOTP, list[str]]:
    device = mfa.totp_begin(user=user)
    totp = totp_of(device)
    return totp, mfa.totp_confirm(user=user, device=device, code=totp.now())


def password_step(client, username: str, **extra):
    return client.post("/accounts/login/", {"username": username, "password": PASSWORD}, **extra)


def test_enrol_from_own_page_shows_qr_and_secret_then_recovery_codes_once(operator_client, operator):
    page = operator_client.get("/accounts/2fa/")
    assert page.status_code == 200 and b"Two-factor login is <strong>off</strong>" in page.content
    setup = operator_client.post("/accounts/2fa/setup/")
    assert setup.status_code == 200
    html = setup.content.decode()
    secret = re.search(r'data-secret="([A-Z2-7]+)"', html).group(1)
    assert 'src="data:image/svg+xml' in html  # the QR code, allowed by the CSP (img-src data:)
    assert TOTPDevice.objects.get(user=operator).confirmed is False
    assert not mfa.mfa_enrolled(operator)

    wrong = operator_client.post("/accounts/2fa/confirm/", {"code": "000000"})
    assert wrong.status_code == 422 and b"That code is not right" in wrong.content
    assert not mfa.mfa_enrolled(operator)

    done = operator_client.post("/accounts/2fa/confirm/", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = re.findall(r"<li class=\"list-group-item\">([a-z2-9]{5}-[a-z2-9]{5})</li>", done.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "no-store" in done["Cache-Control"]
    assert mfa.mfa_enrolled(operator)
    # only hashes are kept
    assert RecoveryCode.objects.filter(user=operator).count() == 10
    assert not RecoveryCode.objects.filter(code_hash__in=codes).exists()
    actions = list(
        AuditEvent.objects.filter(action__startswith="mfa.").values_list("action", "username", "success")
    )
    assert actions == [("mfa.enrol", "operator1", True)]
    failed = AuditEvent.objects.get(action="auth.mfa_failed")
    assert failed.success is False and failed.object_id == str(operator.pk)
    again = operator_client.get("/accounts/2fa/")
    assert (
        b"Two-factor login is <strong>on</strong>" in again.content
        and b"10 recovery codes left" in again.content
    )


def test_login_asks_the_code_after_the_password_and_only_then_signs_in(client, operator):
    totp, _ = enrol(operator)
    first = client.post(
        "/accounts/login/?next=/sims/", {"username": "operator1", "password": PASSWORD, "next": "/sims/"}
    )
    assert first.status_code == 302 and first["Location"] == "/accounts/login/code/"
    assert client.get("/").status_code == 302  # not signed in yet
    assert not AuditEvent.objects.filter(action="auth.login").exists()
    ask = client.get("/accounts/login/code/")
    assert ask.status_code == 200 and b"type the 6-digit code" in ask.content

    wrong = client.post("/accounts/login/code/", {"code": "123456"})
    assert wrong.status_code == 422 and b"That code is not right" in wrong.content
    assert AuditEvent.objects.filter(action="auth.mfa_failed", success=False).count() == 1
    assert AccessAttempt.objects.get(username="operator1").failures_since_start == 1
    assert client.get("/").status_code == 302

    code = next_code(totp)
    ok = client.post("/accounts/login/code/", {"code": code})
    assert ok.status_code == 302 and ok["Location"] == "/sims/"
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.login", username="operator1").count() == 1
    assert not AccessAttempt.objects.filter(username="operator1").exists()  # reset on success

    # the same code does not open a second login (replay)
    other = type(client)()
    password_step(other, "operator1")
    assert other.post("/accounts/login/code/", {"code": code}).status_code == 422


def test_failed_codes_lock_out_the_username_like_failed_passwords(client, viewer, settings):
    totp, _ = enrol(viewer)
    password_step(client, "viewer1")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post("/accounts/login/code/", {"code": "000000"}).status_code == 422
    locked = client.post("/accounts/login/code/", {"code": "000000"})
    assert locked.status_code == 429 and b"Too many failed logins" in locked.content
    # the login step is gone, and neither a right code nor the password gets in now
    assert client.post("/accounts/login/code/", {"code": next_code(totp)}).status_code == 400
    assert password_step(client, "viewer1").status_code == 429
    assert AuditEvent.objects.filter(action="auth.mfa_failed").count() == settings.AXES_FAILURE_LIMIT
    # another address is not locked
    other = type(client)()
    assert password_step(other, "viewer1", REMOTE_ADDR="10.9.9.9").status_code == 302


def test_a_recovery_code_logs_in_once(client, viewer):
    _, codes = enrol(viewer)
    password_step(client, "viewer1")
    assert client.post("/accounts/login/code/", {"code": codes[3].upper()}).status_code == 302
    assert AuditEvent.objects.get(action="mfa.recovery_code_used").message == "9 recovery code(s) left"
    client.post("/accounts/logout/")
    password_step(client, "viewer1")
    assert client.post("/accounts/login/code/", {"code": codes[3]}).status_code == 422
    assert client.post("/accounts/login/code/", {"code": codes[4]}).status_code == 302


def test_a_user_without_2fa_is_not_asked_when_not_required(client, viewer, settings):
    settings.MFA_REQUIRED = "admins"
    response = password_step(client, "viewer1")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("policy", ["admins", "all"])
def test_required_2fa_forces_enrolment_at_next_login(client, admin_member, settings, policy):
    settings.MFA_REQUIRED = policy
    assert password_step(client, "admin1")["Location"] == "/accounts/login/code/"
    page = client.get("/accounts/login/code/")
    assert page.status_code == 200 and b"Your account needs two-factor login" in page.content
    secret = re.search(r'data-secret="([A-Z2-7]+)"', page.content.decode()).group(1)
    assert client.get("/").status_code == 302
    # reloading keeps the same secret (the QR code scanned stays valid)
    assert f'data-secret="{secret}"'.encode() in client.get("/accounts/login/code/").content
    done = client.post("/accounts/login/code/", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200 and b"Keep these recovery codes" in done.content
    assert client.get("/").status_code == 200
    assert mfa.mfa_enrolled(admin_member)
    assert AuditEvent.objects.filter(action="mfa.enrol", username="admin1").count() == 1
    # turning it off is refused while required
    refused = client.post("/accounts/2fa/remove/", {"code": next_code(pyotp.TOTP(secret))})
    assert refused.status_code == 409 and b"required for your account" in refused.content
    assert mfa.mfa_enrolled(admin_member)


def test_mfa_required_all_forces_a_viewer_too(client, viewer, settings):
    settings.MFA_REQUIRED = "all"
    assert password_step(client, "viewer1")["Location"] == "/accounts/login/code/"
    settings.MFA_REQUIRED = "admins"
    assert password_step(type(client)(), "viewer1")["Location"] == "/"


def test_the_login_step_expires(client, viewer, settings):
    totp, _ = enrol(viewer)
    password_step(client, "viewer1")
    session = client.session
    session["_mfa_login_step"]["at"] -= settings.MFA_LOGIN_STEP_SECONDS + 1
    session.save()
    expired = client.post("/accounts/login/code/", {"code": next_code(totp)})
    assert expired.status_code == 400 and b"This login step has expired" in expired.content
    assert client.get("/").status_code == 302


def test_code_page_without_a_login_step_says_so(client):
    response = client.get("/accounts/login/code/")
    assert (
        response.status_code == 200 and b"This login step has expired or was not started" in response.content
    )


def test_own_removal_needs_a_current_code(operator_client, operator):
    totp, _ = enrol(operator)
    refused = operator_client.post("/accounts/2fa/remove/", {"code": "999999"})
    assert refused.status_code == 422 and mfa.mfa_enrolled(operator)
    done = operator_client.post("/accounts/2fa/remove/", {"code": next_code(totp)})
    assert done.status_code == 302 and not mfa.mfa_enrolled(operator)
    assert not RecoveryCode.objects.filter(user=operator).exists()
    assert AuditEvent.objects.filter(action="mfa.remove", success=True).count() == 1


def test_new_recovery_codes_void_the_old_ones(operator_client, operator):
    _, old = enrol(operator)
    response = operator_client.post("/accounts/2fa/recovery-codes/")
    new = re.findall(r"([a-z2-9]{5}-[a-z2-9]{5})</li>", response.content.decode())
    assert response.status_code == 200 and len(new) == 10 and not set(new) & set(old)
    assert not mfa.mfa_verify(user=operator, code=old[0])
    assert mfa.mfa_verify(user=operator, code=new[0])


def test_admin_resets_a_users_2fa(admin_role_client, operator):
    enrol(operator)
    detail = admin_role_client.get(f"/accounts/users/{operator.pk}/")
    assert b'data-mfa="on"' in detail.content and b"Reset two-factor login" in detail.content
    response = admin_role_client.post(f"/accounts/users/{operator.pk}/2fa/reset/")
    assert response.status_code == 302
    assert not mfa.mfa_enrolled(operator) and not TOTPDevice.objects.filter(user=operator).exists()
    event = AuditEvent.objects.get(action="mfa.reset")
    assert event.username == "admin1" and event.object_id == str(operator.pk)
    assert event.before == {"mfa": True}
    # the user logs in with the password alone again
    fresh = type(admin_role_client)()
    assert password_step(fresh, "operator1")["Location"] == "/"
    assert fresh.get("/").status_code == 200


def test_an_admin_cannot_reset_a_superusers_2fa(admin_role_client, django_user_model):
    root = django_user_model.objects.create_superuser("root", password=PASSWORD)
    enrol(root)
    response = admin_role_client.post(f"/accounts/users/{root.pk}/2fa/reset/")
    assert response.status_code == 409 and b"only a superuser can reset" in response.content
    assert mfa.mfa_enrolled(root)


def test_users_list_shows_who_has_two_factor_login(admin_role_client, operator, viewer):
    enrol(operator)
    page = admin_role_client.get("/accounts/users/").content.decode()
    rows = dict(re.findall(r'<tr[^>]*data-username="(\w+)"[^>]*>(.*?)</tr>', page, re.S))
    # the two yes/no columns: active, two-factor
    assert (rows["operator1"].count("✔"), rows["operator1"].count("✘")) == (2, 0)
    assert (rows["viewer1"].count("✔"), rows["viewer1"].count("✘")) == (1, 1)


def test_django_admin_login_goes_through_the_dashboards_login_and_its_second_factor(
    client, django_user_model
):
    root = django_user_model.objects.create_superuser("root", password=PASSWORD)
    totp, _ = enrol(root)
    to_login = client.get("/admin/login/?next=/admin/")
    assert to_login.status_code == 302 and to_login["Location"] == "/accounts/login/?next=/admin/"
    # the admin's own form is not there to skip the code
    assert client.post("/admin/login/", {"username": "root", "password": PASSWORD}).status_code == 302
    assert client.get("/admin/").status_code == 302
    step = client.post("/accounts/login/", {"username": "root", "password": PASSWORD, "next": "/admin/"})
    assert step["Location"] == "/accounts/login/code/"
    assert client.post("/accounts/login/code/", {"code": next_code(totp)})["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_an_admin_requires_2fa_on_the_users_page_and_it_forces_enrolment(admin_role_client, viewer, client):
    fresh = type(client)  # a browser of its own for each login (admin_role_client is ``client``, signed in)
    assert b'id="mfa-policy-form"' in admin_role_client.get("/accounts/users/").content
    answer = admin_role_client.post("/accounts/users/2fa-policy/", {"mfa_required": "admins"})
    assert answer.status_code == 302 and answer["Location"] == "/accounts/users/"
    event = AuditEvent.objects.get(action="mfa.policy")
    assert (event.before, event.after, event.username) == (
        {"mfa_required": "none"},
        {"mfa_required": "admins"},
        "admin1",
    )
    # an admin without a second factor enrols at the next login; a viewer is not asked
    assert password_step(fresh(), "admin1")["Location"] == "/accounts/login/code/"
    assert password_step(fresh(), "viewer1")["Location"] == "/"
    admin_role_client.post("/accounts/users/2fa-policy/", {"mfa_required": "all"})
    assert password_step(fresh(), "viewer1")["Location"] == "/accounts/login/code/"


def test_the_deployments_floor_stays_whatever_an_admin_chooses(admin_role_client, settings):
    settings.MFA_REQUIRED = "admins"
    answer = admin_role_client.post("/accounts/users/2fa-policy/", {"mfa_required": "none"}, follow=True)
    assert b"this deployment requires more (MFA_REQUIRED)" in answer.content
    assert mfa.mfa_policy() == "admins"
    admin_role_client.post("/accounts/users/2fa-policy/", {"mfa_required": "all"})
    assert mfa.mfa_policy() == "all"


def test_an_unknown_policy_changes_nothing(admin_role_client):
    answer = admin_role_client.post("/accounts/users/2fa-policy/", {"mfa_required": "sometimes"}, follow=True)
    assert b"Choose nobody, admins or everyone." in answer.content
    assert mfa.mfa_policy() == "none" and not AuditEvent.objects.filter(action="mfa.policy").exists()
