"""Onboarding pages: register one SIM; upload a CSV, preview it, confirm it as a background job."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from apps.accounts.permissions import OperatorRequiredMixin
from apps.core.csvsafe import csv_rows
from apps.core.htmx import htmx_redirect, is_htmx, render_page_or_partial, trigger
from apps.supersim.errors import SuperSimError

from .csvfile import INVALID, KNOWN, NEW, CsvRejected, human_size, max_bytes, max_rows
from .forms import OnboardingUploadForm, SimRegisterForm
from .sandbox import sandbox_inventory, sandbox_is_the_api
from .services import (
    onboarding_confirm,
    onboarding_draft_create,
    onboarding_draft_get,
    sim_error_text,
    sim_register,
    sim_url,
)

PREVIEW_ROWS = 200


class SimRegisterView(OperatorRequiredMixin, View):
    """GET: the form. POST: validate, CreateSim (+ UpdateSim); htmx gets the form partial back."""

    http_method_names = ["get", "post"]
    page_template = "sims/onboarding_register.html"
    partial_template = "sims/_onboarding_register_form.html"

    def render(self, request, context, status=200):
        sandbox_url = reverse("sims:sim_sandbox_inventory") if sandbox_is_the_api() else ""
        context = {"page_title": "Register a SIM", "sandbox_inventory_url": sandbox_url, **context}
        return render_page_or_partial(
            request, page=self.page_template, partial=self.partial_template, context=context, status=status
        )

    def get(self, request):
        """The form; ``?iccid=&registration_code=`` fill it in (the sandbox page's "Register" links)."""
        initial = {k: request.GET[k][:40] for k in ("iccid", "registration_code") if k in request.GET}
        return self.render(request, {"form": SimRegisterForm(initial=initial)})

    def post(self, request):
        form = SimRegisterForm(request.POST)
        if not form.is_valid():
            return self.render(request, {"form": form}, status=422)
        data = form.cleaned_data
        try:
            outcome = sim_register(
                iccid=data["iccid"],
                registration_code=data["registration_code"],
                unique_name=data["unique_name"],
                fleet_sid=data["fleet"].sid if data["fleet"] else "",
                status=data["status"],
                user=request.user,
                request=request,
            )
        except SuperSimError as exc:
            existing = getattr(exc, "sim", None)
            form.add_error(None, sim_error_text(exc))
            context = {
                "form": form,
                "api_error": exc,
                "existing_sim": existing,
                "existing_url": sim_url(existing),
            }
            return self.render(request, context, status=422)
        sim = outcome.sim
        if outcome.configure_error is not None:
            messages.warning(
                request,
                f"SIM {sim.iccid} registered, but setting its name/fleet/status failed: "
                f"{sim_error_text(outcome.configure_error)}",
            )
        else:
            messages.success(
                request,
                f"SIM {sim.iccid} registered ({sim.get_status_display() or sim.status})"
                + (": activation scheduled." if outcome.scheduled else "."),
            )
        context = {
            "form": SimRegisterForm(),
            "registered": outcome,
            "registered_url": sim_url(sim),
        }
        if not is_htmx(request):
            return redirect(reverse("sims:sim_register"))
        response = self.render(request, context)
        return trigger(response, "simCreated", {"sid": sim.sid, "iccid": sim.iccid})


class SandboxInventoryView(OperatorRequiredMixin, View):
    """The sandbox's unclaimed ICCID + registration code pairs, to try onboarding with (404 unless the
    sandbox is the API). ``?format=csv`` gives them as a file the CSV onboarding takes."""

    http_method_names = ["get"]
    count = 20

    def get(self, request):
        if not sandbox_is_the_api():
            raise Http404("The API is not the sandbox: there is no inventory to show.")
        context = {"page_title": "Sandbox: SIMs to register", "api_base_url": settings.SUPERSIM_API_BASE_URL}
        try:
            inventory = sandbox_inventory(count=self.count)
        except SuperSimError as exc:
            context["error"] = sim_error_text(exc)
            return render(request, "sims/onboarding_sandbox.html", context, status=502)
        if request.GET.get("format") == "csv":
            rows = ([s["iccid"], s["registration_code"]] for s in inventory["sims"])
            response = StreamingHttpResponse(
                csv_rows(["iccid", "registration_code"], rows), content_type="text/csv"
            )
            response["Content-Disposition"] = 'attachment; filename="sandbox-sims.csv"'
            return response
        context.update(unclaimed=inventory["unclaimed"], pairs=inventory["sims"])
        return render(request, "sims/onboarding_sandbox.html", context)


class OnboardingUploadView(OperatorRequiredMixin, View):
    http_method_names = ["get", "post"]
    template = "sims/onboarding_upload.html"

    def context(self, form):
        return {
            "page_title": "Onboard SIMs from a CSV file",
            "form": form,
            "max_size": human_size(max_bytes()),
            "max_bytes": max_bytes(),
            "max_rows": max_rows(),
        }

    def get(self, request):
        return render(request, self.template, self.context(OnboardingUploadForm()))

    def post(self, request):
        form = OnboardingUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            data = upload.read(max_bytes() + 1)
            try:
                draft, _ = onboarding_draft_create(
                    data=data, filename=upload.name or "upload.csv", user=request.user
                )
            except CsvRejected as exc:
                form.add_error("file", f"{exc} Nothing was stored.")
            else:
                return redirect(reverse("sims:sim_onboard_preview", kwargs={"token": draft.token}))
        return render(request, self.template, self.context(form), status=422)


class OnboardingPreviewView(OperatorRequiredMixin, View):
    """Every row checked again at each view (the draft holds the file, not conclusions about it)."""

    http_method_names = ["get"]

    def get(self, request, token):
        draft = onboarding_draft_get(token=token, user=request.user)
        if draft is None:
            return render(
                request,
                "sims/onboarding_expired.html",
                {"page_title": "Upload expired"},
                status=404,
            )
        try:
            check = draft.check()
        except CsvRejected as exc:  # settings changed since the upload (e.g. a lower limit)
            messages.error(request, str(exc))
            return redirect(reverse("sims:sim_onboard_csv"))
        show = request.GET.get("show", "")
        rows = check.rows
        if show in (NEW, KNOWN, INVALID):
            rows = [r for r in rows if r.outcome == show]
        else:
            show = ""
        context = {
            "page_title": f"Preview: {draft.filename}",
            "draft": draft,
            "check": check,
            "rows": rows[:PREVIEW_ROWS],
            "shown": min(len(rows), PREVIEW_ROWS),
            "matching": len(rows),
            "show": show,
            "filters": [
                ("", "all", len(check.rows)),
                (NEW, "to register", check.new),
                (KNOWN, "already registered", check.known),
                (INVALID, "invalid", check.invalid),
            ],
        }
        return render(request, "sims/onboarding_preview.html", context)


class OnboardingConfirmView(OperatorRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, token):
        try:
            job = onboarding_confirm(token=token, user=request.user, request=request)
        except CsvRejected as exc:
            messages.error(request, str(exc))
            url = reverse("sims:sim_onboard_csv")
            return htmx_redirect(request, url)
        messages.success(request, f"Onboarding started: {job.total:,} rows.")
        return htmx_redirect(request, job.get_absolute_url())
