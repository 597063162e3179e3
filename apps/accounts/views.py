"""User management pages (admins only): list, create, detail with role / deactivate / unlock / password.

Thin views: the rules and the audit entries are in :mod:`apps.accounts.services`. A refused change (the
last admin, oneself, a superuser's role) answers 409 with the detail page and the reason; a new or reset
password is shown once, in the answer to the POST (never stored, never cached).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.views import PasswordChangeView
from django.db import IntegrityError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.cache import add_never_cache_headers
from django.views import View

from apps.core.views import ObjectListView

from . import services
from .filtersets import UserFilterSet
from .forms import MfaPolicyForm, UserCreateForm, UserRoleForm
from .mfa import mfa_enrolled, mfa_policy, mfa_policy_set, mfa_required_for
from .permissions import PERM_ADMIN, AdminRequiredMixin
from .selectors import user_is_locked_out, user_list_queryset, user_role_name
from .tables import UserTable


class UserListView(ObjectListView):
    permission_required = PERM_ADMIN
    filterset_class = UserFilterSet
    table_class = UserTable
    template_name = "accounts/user_list.html"
    page_title = "Users"

    def get_queryset(self):
        return user_list_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["mfa_policy_form"] = MfaPolicyForm(initial={"mfa_required": mfa_policy()})
        context["mfa_floor"] = settings.MFA_REQUIRED
        return context


class MfaPolicyView(AdminRequiredMixin, View):
    """An admin sets whom two-factor login is asked of (audited); back to the users list."""

    http_method_names = ["post"]

    def post(self, request):
        form = MfaPolicyForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose nobody, admins or everyone.")
            return redirect("accounts:user_list")
        wanted = form.cleaned_data["mfa_required"]
        in_force = mfa_policy_set(policy=wanted, by=request.user, request=request)
        label = dict(MfaPolicyForm.base_fields["mfa_required"].choices)[in_force]
        if in_force != wanted:
            messages.warning(
                request, f"Saved; this deployment requires more (MFA_REQUIRED): two-factor login of {label}."
            )
        else:
            messages.success(request, f"Two-factor login is now required of: {label}.")
        return redirect("accounts:user_list")


def _detail_context(user, **extra) -> dict:
    role = user_role_name(user)
    return {
        "member": user,
        "page_title": f"User {user.username}",
        "role": role,
        "locked_out": user_is_locked_out(user),
        "mfa_enrolled": mfa_enrolled(user),
        "mfa_required": mfa_required_for(user),
        "role_form": UserRoleForm(initial={"role": role}),
        "audit_url": reverse("audit:auditevent_list")
        + "?"
        + urlencode({"object_type": "user", "object": str(user.pk)}),
        **extra,
    }


def _render_detail(request, user, *, status: int = 200, **extra):
    return render(request, "accounts/user_detail.html", _detail_context(user, **extra), status=status)


def _shown_once(response):
    add_never_cache_headers(response)
    return response


class UserCreateView(AdminRequiredMixin, View):
    def get(self, request):
        return render(
            request, "accounts/user_create.html", {"form": UserCreateForm(), "page_title": "New user"}
        )

    def post(self, request):
        form = UserCreateForm(request.POST)
        if not form.is_valid():
            return render(
                request, "accounts/user_create.html", {"form": form, "page_title": "New user"}, status=422
            )
        try:
            user, password = services.user_create(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                by=request.user,
                request=request,
            )
        except IntegrityError:  # the same username created meanwhile
            form.add_error("username", "A user with that username already exists.")
            return render(
                request, "accounts/user_create.html", {"form": form, "page_title": "New user"}, status=422
            )
        return _shown_once(_render_detail(request, user, status=201, new_password=password, created=True))


class UserDetailView(AdminRequiredMixin, View):
    def get(self, request, pk):
        return _render_detail(request, get_object_or_404(get_user_model(), pk=pk))


class _Invalid(Exception):
    """The posted form is not valid; the message says what to send."""


class _UserActionView(AdminRequiredMixin, View):
    """POST only: run :meth:`act`; success -> back to the detail page with a message; refused -> 409."""

    http_method_names = ["post"]

    def act(self, request, user) -> str:  # pragma: no cover - each subclass says what it does
        raise NotImplementedError

    def post(self, request, pk):
        user = get_object_or_404(get_user_model(), pk=pk)
        try:
            text = self.act(request, user)
        except services.UserActionRefused as exc:
            return _render_detail(request, user, status=409, refusal=str(exc))
        except _Invalid as exc:
            return _render_detail(request, user, status=422, refusal=str(exc))
        messages.success(request, text)
        return redirect("accounts:user_detail", pk=user.pk)


class UserRoleView(_UserActionView):
    def act(self, request, user) -> str:
        form = UserRoleForm(request.POST)
        if not form.is_valid():
            raise _Invalid("Choose one of the roles viewer, operator or admin.")
        role = form.cleaned_data["role"]
        services.user_role_change(user=user, role=role, by=request.user, request=request)
        return f"{user.username} is now {role}."


class UserDeactivateView(_UserActionView):
    def act(self, request, user) -> str:
        services.user_deactivate(user=user, by=request.user, request=request)
        return f"{user.username} is deactivated: they can no longer log in."


class UserActivateView(_UserActionView):
    def act(self, request, user) -> str:
        services.user_activate(user=user, by=request.user, request=request)
        return f"{user.username} is active again."


class UserUnlockView(_UserActionView):
    def act(self, request, user) -> str:
        removed = services.user_unlock(user=user, by=request.user, request=request)
        if removed:
            return f"{user.username} is unlocked and may log in again."
        return f"{user.username} was not locked out."


class UserPasswordResetView(AdminRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        user = get_object_or_404(get_user_model(), pk=pk)
        try:
            password = services.user_password_reset(user=user, by=request.user, request=request)
        except services.UserActionRefused as exc:
            return _render_detail(request, user, status=409, refusal=str(exc))
        return _shown_once(_render_detail(request, user, new_password=password))


class OwnPasswordChangeView(PasswordChangeView):
    """Any signed-in user changes their own password (old one first; the password rules apply); the
    session stays signed in, their other sessions end."""

    template_name = "accounts/password_change.html"
    extra_context = {"page_title": "Change your password"}
    success_url = reverse_lazy("core:home")

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        for field in form.fields.values():
            field.widget.attrs["class"] = "form-control"
        return form

    def form_valid(self, form):
        response = super().form_valid(form)  # saves, keeps this session (update_session_auth_hash)
        services.user_password_changed(user=self.request.user, request=self.request)
        messages.success(self.request, "Your password is changed.")
        return response

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=422)
