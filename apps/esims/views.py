"""eSIM profile pages: list (status filter), create, detail with live status (htmx polling), QR codes
(inline SVG, SVG and PNG downloads) and a print sheet of QR codes for selected profiles."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.views import View

from apps.accounts.permissions import PERM_OPERATE, OperatorRequiredMixin, ViewerRequiredMixin
from apps.core.htmx import HTMX_STOP_POLLING, htmx_redirect, is_htmx, render_page_or_partial, trigger
from apps.core.views import ObjectListView
from apps.supersim.errors import SuperSimError

from .filtersets import EsimProfileFilterSet
from .forms import EsimProfileCreateForm
from .models import EsimProfile
from .qr import qr_png, qr_svg
from .selectors import WITH_CODE, esim_profile_is_settled, esim_profile_list, esim_profiles_for_print
from .services import esim_profile_create, esim_profile_refresh
from .tables import EsimProfileTable

#: the status poll asks the API at most this often per profile (seconds); in between it answers from the DB
POLL_REFRESH_SECONDS = 1.0


def _sim_url(profile: EsimProfile) -> str:
    # only a SIM synced here has a page (the FK has no DB constraint: the SIM may not be synced yet)
    if not profile.sim_id or getattr(profile, "sim", None) is None:
        return ""
    try:
        return reverse("sims:sim_detail", kwargs={"sid": profile.sim_id})
    except NoReverseMatch:
        return ""


def _inline_qr(activation_code: str) -> str:
    return mark_safe(qr_svg(activation_code, title="eSIM activation QR code"))  # noqa: S308 - segno output


def _profile_context(profile: EsimProfile) -> dict:
    has_code = bool(profile.activation_code) and profile.status in WITH_CODE
    return {
        "profile": profile,
        "settled": esim_profile_is_settled(profile),
        "has_code": has_code,
        # segno's SVG: geometry only (no user text inside, no style attribute) -> safe to inline
        "qr_svg": _inline_qr(profile.activation_code) if has_code else "",
        "sim_url": _sim_url(profile),
    }


class EsimProfileListView(ObjectListView):
    queryset = esim_profile_list()
    filterset_class = EsimProfileFilterSet
    table_class = EsimProfileTable
    template_name = "esims/esimprofile_list.html"
    page_title = "eSIM profiles"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_operate"] = self.request.user.has_perm(PERM_OPERATE)
        return context


class EsimProfileDetailView(ViewerRequiredMixin, View):
    http_method_names = ["get"]

    def get(self, request, sid):
        profile = get_object_or_404(EsimProfile.objects.select_related("sim"), sid=sid)
        context = {"page_title": f"eSIM profile {profile.sid}", **_profile_context(profile)}
        return render(request, "esims/esimprofile_detail.html", context)


class EsimProfileStatusPollView(ViewerRequiredMixin, View):
    """The status partial, polled by htmx while the profile is being reserved.

    While it is not settled, the profile is fetched from the API (at most once a second) and the local row
    updated from the answer; once settled (available, downloaded, installed, failed) the answer is 286 and
    htmx stops polling.
    """

    http_method_names = ["get"]

    def get(self, request, sid):
        profile = get_object_or_404(EsimProfile.objects.select_related("sim"), sid=sid)
        error = None
        fresh = (
            profile.synced_at and (timezone.now() - profile.synced_at).total_seconds() < POLL_REFRESH_SECONDS
        )
        if not esim_profile_is_settled(profile) and not fresh:
            try:
                esim_profile_refresh(profile=profile)
            except SuperSimError as exc:
                error = exc  # keep polling: the next poll tries again
            profile = EsimProfile.objects.select_related("sim").get(pk=profile.pk)
        context = {**_profile_context(profile), "poll_error": error}
        response = render(request, "esims/_esimprofile_status.html", context)
        patch_vary_headers(response, ("HX-Request",))
        if context["settled"]:
            response.status_code = HTMX_STOP_POLLING
            trigger(response, "esimProfileUpdated", {"sid": profile.sid, "status": profile.status})
        return response


class EsimProfileCreateView(OperatorRequiredMixin, View):
    http_method_names = ["get", "post"]
    page_template = "esims/esimprofile_create.html"
    partial_template = "esims/_esimprofile_create_form.html"

    def render(self, request, form, status=200, api_error=None):
        context = {"page_title": "New eSIM profile", "form": form, "api_error": api_error}
        return render_page_or_partial(
            request, page=self.page_template, partial=self.partial_template, context=context, status=status
        )

    def get(self, request):
        return self.render(request, EsimProfileCreateForm())

    def post(self, request):
        form = EsimProfileCreateForm(request.POST)
        if not form.is_valid():
            return self.render(request, form, status=422)
        try:
            profile = esim_profile_create(
                eid=form.cleaned_data["eid"],
                generate_matching_id=form.cleaned_data["generate_matching_id"],
                user=request.user,
                request=request,
            )
        except SuperSimError as exc:
            form.add_error(None, f"The API refused the profile: {exc}")
            return self.render(request, form, status=422, api_error=exc)
        messages.success(request, f"eSIM profile {profile.sid} created: it is being reserved.")
        response = htmx_redirect(request, profile.get_absolute_url())
        return trigger(response, "esimProfileCreated", {"sid": profile.sid}) if is_htmx(request) else response


def _profile_with_code(sid: str) -> EsimProfile:
    profile = get_object_or_404(EsimProfile, sid=sid)
    if not profile.activation_code or profile.status not in WITH_CODE:
        raise Http404("This eSIM profile has no activation code yet.")
    return profile


class EsimProfileQrSvgView(ViewerRequiredMixin, View):
    http_method_names = ["get"]

    def get(self, request, sid):
        profile = _profile_with_code(sid)
        response = HttpResponse(qr_svg(profile.activation_code), content_type="image/svg+xml")
        if request.GET.get("download"):
            response["Content-Disposition"] = f'attachment; filename="esim-{profile.sid}.svg"'
        return response


class EsimProfileQrPngView(ViewerRequiredMixin, View):
    http_method_names = ["get"]

    def get(self, request, sid):
        profile = _profile_with_code(sid)
        response = HttpResponse(qr_png(profile.activation_code), content_type="image/png")
        response["Content-Disposition"] = f'attachment; filename="esim-{profile.sid}.png"'
        return response


class EsimProfilePrintSheetView(ViewerRequiredMixin, View):
    """A print-friendly sheet of QR codes for the profiles selected on the list (``?sid=HP...&sid=HP...``)."""

    http_method_names = ["get"]

    def get(self, request):
        profiles = esim_profiles_for_print(sids=request.GET.getlist("sid"))
        cards = [_profile_context(p) for p in profiles]
        context = {
            "page_title": "eSIM QR codes",
            "cards": [c for c in cards if c["has_code"]],
            "without_code": [c["profile"] for c in cards if not c["has_code"]],
            "asked": len(request.GET.getlist("sid")),
        }
        if not profiles:
            messages.info(request, "Select the profiles to print on the list first.")
        return render(request, "esims/esimprofile_print_sheet.html", context)
