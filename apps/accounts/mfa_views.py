"""Two-factor login pages (thin; the rules are in :mod:`apps.accounts.mfa`).

Login: the password form (:class:`LoginView`) does not sign in a user who has an authenticator, or of
whom ``MFA_REQUIRED`` asks one: it keeps a *login step* in the anonymous session (user, backend, where to
go, since when; ``MFA_LOGIN_STEP_SECONDS`` at most) and sends to :class:`LoginCodeView`, which asks the
code - or, for a user who must enrol and has not, shows the QR code to set one up, then the recovery codes
once. Only a right code calls ``login()`` (so django-axes' reset on success and the ``auth.login`` audit
entry come after the second factor). A wrong code counts as a failed login for django-axes; once locked,
the lockout page answers (429) and the login step is dropped.

The user's own page (:class:`MfaView`, any signed-in user): set up (QR + secret as text, confirm with a
code, recovery codes shown once), new recovery codes, turn off with a current code (refused while
required). Admins reset a user's second factor from the user's page (:class:`UserMfaResetView`).
"""

from __future__ import annotations

import time

from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.views import View

from . import mfa, oidc
from .forms import CodeForm, LoginForm
from .permissions import AdminRequiredMixin

_STEP = "_mfa_login_step"
_SETUP = "_mfa_setup_device"


def _never_cache(response):
    add_never_cache_headers(response)
    return response


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    """The password form; a second factor, when the user has or needs one, comes next."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **oidc.login_context(self.request)}

    def form_valid(self, form):
        user = form.get_user()
        if mfa.mfa_enrolled(user) or mfa.mfa_required_for(user):
            self.request.session[_STEP] = {
                "uid": user.pk,
                "backend": user.backend,
                "next": self.get_success_url(),
                "at": int(time.time()),
            }
            return redirect("accounts:login_code")
        return super().form_valid(form)


class LogoutView(auth_views.LogoutView):
    """Django's logout; after a single sign-on, on to the provider's logout too (when it has one)."""

    def post(self, request, *args, **kwargs):
        id_token = request.session.get("oidc_id_token")
        response = super().post(request, *args, **kwargs)
        url = oidc.end_session_url(request, id_token) if id_token and oidc.sso_enabled() else ""
        if url:
            # not a redirect: the page's CSP (form-action 'self') forbids a form's redirect off the site;
            # a page that moves on by itself (meta refresh, no script) plus a link does it
            response = _never_cache(render(request, "accounts/logout_provider.html", {"url": url}))
        return response


def _login_step(request):
    """``(user, step)`` of the login step in this session, or ``(None, None)`` (none, expired, user gone)."""
    step = request.session.get(_STEP)
    if not isinstance(step, dict) or time.time() - step.get("at", 0) > settings.MFA_LOGIN_STEP_SECONDS:
        request.session.pop(_STEP, None)
        return None, None
    user = get_user_model().objects.filter(pk=step.get("uid"), is_active=True).first()
    if user is None:
        request.session.pop(_STEP, None)
        return None, None
    return user, step


@method_decorator(login_not_required, name="dispatch")
class LoginCodeView(View):
    template_name = "accounts/login_code.html"

    def _render(self, request, user, step, *, form=None, status=200):
        context = {"form": form or CodeForm(), "member": user}
        if user is not None and not mfa.mfa_enrolled(user):  # must enrol now
            device = mfa.pending_device(user, step.get("device"))
            if device is None:
                device = mfa.totp_begin(user=user)
                step["device"] = device.pk
                request.session[_STEP] = step
            context.update(enrol=True, provisioning=mfa.totp_provisioning(device))
        return _never_cache(render(request, self.template_name, context, status=status))

    def get(self, request):
        user, step = _login_step(request)
        return self._render(request, user, step)

    def post(self, request):
        user, step = _login_step(request)
        if user is None:
            return self._render(request, None, None, status=400)
        if mfa.second_factor_locked(user=user, request=request):
            request.session.pop(_STEP, None)
            return get_lockout_response(request, credentials={"username": user.get_username()})
        form = CodeForm(request.POST)
        if not form.is_valid():
            return self._render(request, user, step, form=form, status=422)
        code = form.cleaned_data["code"]
        recovery_codes = None
        if mfa.mfa_enrolled(user):
            ok = mfa.mfa_verify(user=user, code=code, request=request)
        else:
            device = mfa.pending_device(user, step.get("device"))
            try:
                if device is None:
                    raise mfa.MfaCodeRefused("The set-up expired: scan the new QR code.")
                recovery_codes = mfa.totp_confirm(
                    user=user, device=device, code=code, request=request, count_failure=True
                )
                ok = True
            except mfa.MfaCodeRefused:
                ok = False
        if not ok:
            if getattr(request, "axes_locked_out", False):
                request.session.pop(_STEP, None)
                return get_lockout_response(request, credentials={"username": user.get_username()})
            form.add_error("code", "That code is not right. Type the 6 digits your app shows now.")
            return self._render(request, user, step, form=form, status=422)
        request.session.pop(_STEP, None)
        login(request, user, backend=step["backend"])
        if recovery_codes is not None:
            return _never_cache(
                render(
                    request,
                    "accounts/recovery_codes.html",
                    {"codes": recovery_codes, "next": step["next"], "page_title": "Your recovery codes"},
                )
            )
        return redirect(step["next"])


def _mfa_context(request, **extra) -> dict:
    user = request.user
    return {
        "page_title": "Two-factor login",
        "enrolled": mfa.mfa_enrolled(user),
        "required": mfa.mfa_required_for(user),
        "codes_left": mfa.recovery_codes_left(user),
        "form": CodeForm(),
        **extra,
    }


class MfaView(View):
    """The signed-in user's own two-factor page."""

    def get(self, request):
        return render(request, "accounts/mfa.html", _mfa_context(request))


class MfaSetupView(View):
    """POST: a new authenticator to scan (replaces none until confirmed)."""

    http_method_names = ["post"]

    def post(self, request):
        device = mfa.totp_begin(user=request.user)
        request.session[_SETUP] = device.pk
        return _never_cache(
            render(
                request,
                "accounts/mfa.html",
                _mfa_context(request, provisioning=mfa.totp_provisioning(device)),
            )
        )


class MfaConfirmView(View):
    http_method_names = ["post"]

    def post(self, request):
        device = mfa.pending_device(request.user, request.session.get(_SETUP))
        if device is None:
            return render(
                request,
                "accounts/mfa.html",
                _mfa_context(request, refusal="The set-up expired: start it again."),
                status=409,
            )
        form = CodeForm(request.POST)
        try:
            if not form.is_valid():
                raise mfa.MfaCodeRefused("Type the 6 digits your app shows.")
            codes = mfa.totp_confirm(
                user=request.user, device=device, code=form.cleaned_data["code"], request=request
            )
        except mfa.MfaCodeRefused as exc:
            return _never_cache(
                render(
                    request,
                    "accounts/mfa.html",
                    _mfa_context(request, provisioning=mfa.totp_provisioning(device), refusal=str(exc)),
                    status=422,
                )
            )
        request.session.pop(_SETUP, None)
        return _never_cache(
            render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "next": "", "page_title": "Your recovery codes", "enrolled_now": True},
            )
        )


class MfaRecoveryCodesView(View):
    http_method_names = ["post"]

    def post(self, request):
        try:
            codes = mfa.recovery_codes_renew(user=request.user, request=request)
        except mfa.MfaRefused as exc:
            return render(request, "accounts/mfa.html", _mfa_context(request, refusal=str(exc)), status=409)
        return _never_cache(
            render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "next": "", "page_title": "Your recovery codes"},
            )
        )


class MfaRemoveView(View):
    """POST with a current code (a session alone does not turn the second factor off)."""

    http_method_names = ["post"]

    def post(self, request):
        form = CodeForm(request.POST)
        user = request.user
        if not mfa.mfa_enrolled(user):
            return redirect("accounts:mfa")
        if not form.is_valid() or not mfa.mfa_verify(
            user=user, code=form.cleaned_data["code"], request=request
        ):
            if getattr(request, "axes_locked_out", False):
                return get_lockout_response(request, credentials={"username": user.get_username()})
            return render(
                request,
                "accounts/mfa.html",
                _mfa_context(request, refusal="That code is not right: two-factor login stays on."),
                status=422,
            )
        try:
            mfa.mfa_remove(user=user, request=request)
        except mfa.MfaRefused as exc:
            return render(request, "accounts/mfa.html", _mfa_context(request, refusal=str(exc)), status=409)
        messages.success(request, "Two-factor login is off.")
        return redirect("accounts:mfa")


class UserMfaResetView(AdminRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        from .views import _render_detail

        user = get_object_or_404(get_user_model(), pk=pk)
        try:
            had = mfa.mfa_reset(user=user, by=request.user, request=request)
        except mfa.MfaRefused as exc:
            return _render_detail(request, user, status=409, refusal=str(exc))
        messages.success(
            request,
            f"Two-factor login of {user.username} is reset."
            if had
            else f"{user.username} had no second factor.",
        )
        return redirect("accounts:user_detail", pk=user.pk)
