from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from apps.accounts.permissions import OperatorRequiredMixin, ViewerRequiredMixin
from apps.core.htmx import HTMX_STOP_POLLING, render_page_or_partial, trigger
from apps.core.jobs import job_create
from apps.core.views import ObjectListView
from apps.supersim.errors import SuperSimError

from .filtersets import IpCommandFilterSet, SmsCommandFilterSet
from .forms import IpSendForm, SmsSendForm
from .models import IpCommand, SmsCommand
from .selectors import command_target_problems, commands_recent, sim_labels
from .services import (
    FINAL_STATUSES,
    PayloadError,
    ip_command_send,
    payload_bytes,
    payload_text,
    sms_command_send,
)
from .tables import IpCommandTable, SmsCommandTable

KINDS = {
    "sms": (SmsCommand, SmsCommandFilterSet, SmsCommandTable, "SMS commands"),
    "ip": (IpCommand, IpCommandFilterSet, IpCommandTable, "IP commands"),
}


def refresh_after_seconds() -> float:
    return float(settings.COMMANDS_REFRESH_AFTER_SECONDS)


class CommandListView(ObjectListView):
    """SMS or IP commands (``?kind=sms|ip``), both directions, with a live feed of incoming ones."""

    template_name = "commands/command_list.html"

    @property
    def kind(self) -> str:
        kind = self.request.GET.get("kind", "sms")
        return kind if kind in KINDS else "sms"

    def get_queryset(self):
        model = KINDS[self.kind][0]
        return model.objects.select_related("sim").defer("raw", "sim__raw").order_by("-date_created", "-id")

    def get_filterset_class(self):
        return KINDS[self.kind][1]

    def get_table_class(self):
        return KINDS[self.kind][2]

    def get_context_data(self, **kwargs):
        self.page_title = "Commands"
        context = super().get_context_data(**kwargs)
        context.update(
            kind=self.kind, kind_title=KINDS[self.kind][3], kinds=[(k, v[3]) for k, v in KINDS.items()]
        )
        return context


class CommandFeedView(ViewerRequiredMixin, View):
    """Partial polled by htmx: the latest device-originated (incoming) commands."""

    def get(self, request):
        rows = commands_recent(direction="from_sim", limit=10)
        return render(request, "commands/_command_feed.html", {"feed": rows})


def _status_context(command) -> dict:
    raw = payload_bytes(command)
    return {
        "command": command,
        "kind": "sms" if isinstance(command, SmsCommand) else "ip",
        "final": command.status in FINAL_STATUSES,
        "payload_text": payload_text(raw),
        "payload_hex": raw.hex(" "),
        "payload_size": len(raw),
    }


def _maybe_refresh(command, kind: str) -> None:
    """A non-final command whose callback has not come: queue one API re-fetch (at most every few seconds)."""
    from .tasks import command_refresh_task

    if command.status in FINAL_STATUSES:
        return
    stamp = command.synced_at or command.date_updated
    wait = refresh_after_seconds()
    if stamp and (timezone.now() - stamp).total_seconds() < wait:
        return
    if cache.add(f"commands:refresh:{command.sid}", 1, max(1, int(wait))):
        command_refresh_task.delay_on_commit(kind, command.sid)


class _CommandDetailView(ViewerRequiredMixin, View):
    model = SmsCommand
    kind = "sms"
    template_name = ""

    def get(self, request, sid):
        command = get_object_or_404(self.model.objects.select_related("sim"), sid=sid)
        if getattr(request, "htmx", False):
            _maybe_refresh(command, self.kind)
            command.refresh_from_db()
        context = _status_context(command) | {
            "page_title": f"{'SMS' if self.kind == 'sms' else 'IP'} command {sid}"
        }
        response = render_page_or_partial(
            request, page=self.template_name, partial="commands/_command_status.html", context=context
        )
        if getattr(request, "htmx", False) and context["final"]:
            response.status_code = HTMX_STOP_POLLING
            trigger(response, "commandUpdated", {"sid": command.sid, "status": command.status})
        return response


class SmsCommandDetailView(_CommandDetailView):
    model = SmsCommand
    kind = "sms"
    template_name = "commands/smscommand_detail.html"


class IpCommandDetailView(_CommandDetailView):
    model = IpCommand
    kind = "ip"
    template_name = "commands/ipcommand_detail.html"


def targets_digest(kind: str, targets: list[str]) -> str:
    """Names one set of targets: a confirmation given for it does not carry over to another selection."""
    import hashlib

    return hashlib.sha256(" ".join([kind, *sorted(targets)]).encode()).hexdigest()[:32]


class _SendView(OperatorRequiredMixin, TemplateView):
    form_class = SmsSendForm
    kind = "sms"
    template_name = "commands/command_send.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        initial = {"sims": self.request.GET.get("sim", "")}
        context.setdefault("form", self.form_class(initial=initial))
        context.update(
            kind=self.kind, page_title="Send an SMS command" if self.kind == "sms" else "Send an IP command"
        )
        return context

    def post(self, request):
        """Send, after a warning: when the local rows say the API will refuse some targets (not ready/active,
        SMS disabled on the fleet), the form comes back listing them, to be confirmed for exactly these
        targets (``confirm_for``): ``confirm=all`` sends anyway, ``confirm=ready`` skips the refused ones."""
        form = self.form_class(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=422)
        targets = form.cleaned_data["targets"]
        problems = command_target_problems(
            kind=self.kind, sids=targets, fleet_sid=form.cleaned_data.get("fleet") or ""
        )
        if problems["count"]:
            digest = targets_digest(self.kind, targets)
            confirm = request.POST.get("confirm", "")
            if request.POST.get("confirm_for") != digest or confirm not in ("all", "ready"):
                warning = problems | {
                    "digest": digest,
                    "total": len(targets),
                    "ready": len(targets) - problems["count"],
                    "more": problems["count"] - len(problems["items"]),
                }
                return self.render_to_response(self.get_context_data(form=form, warning=warning))
            if confirm == "ready":
                targets = [sid for sid in targets if sid not in problems["sids"]]
                if not targets:
                    form.add_error(None, "None of the selected SIMs can take the command.")
                    return self.render_to_response(self.get_context_data(form=form), status=422)
        if len(targets) == 1:
            try:
                command = self.send_one(form.cleaned_data, targets[0])
            except SuperSimError as exc:
                label = sim_labels([targets[0]])[targets[0]]
                form.add_error(None, f"The API refused the command for SIM {label}: {exc}")
                return self.render_to_response(self.get_context_data(form=form), status=422)
            except PayloadError as exc:
                form.add_error(None, str(exc))
                return self.render_to_response(self.get_context_data(form=form), status=422)
            messages.success(request, f"Command {command.sid} queued.")
            return self._redirect(command.get_absolute_url(), "commandSent", {"sid": command.sid})
        job = self.create_job(form.cleaned_data, targets)
        messages.success(request, f"Sending to {len(targets)} SIMs as a background job.")
        return self._redirect(
            reverse("core:job_detail", kwargs={"pk": job.pk}), "commandsQueued", {"job": job.pk}
        )

    def _redirect(self, url: str, event: str, params: dict):
        if getattr(self.request, "htmx", False):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return trigger(response, event, params)
        return redirect(url)


class SmsSendView(_SendView):
    form_class = SmsSendForm
    kind = "sms"

    def send_one(self, data, sim_sid):
        return sms_command_send(
            sim_sid=sim_sid, payload=data["payload"], user=self.request.user, request=self.request
        )

    def create_job(self, data, targets):
        return job_create(
            kind="commands.sms_send",
            title=f"SMS command to {len(targets)} SIMs",
            user=self.request.user,
            items=[(sid, {}) for sid in targets],
            params={"payload": data["payload"]},
            request=self.request,
        )


class IpSendView(_SendView):
    form_class = IpSendForm
    kind = "ip"

    def send_one(self, data, sim_sid):
        return ip_command_send(
            sim_sid=sim_sid,
            payload=data["api_payload"],
            payload_type=data["api_payload_type"],
            device_port=data["device_port"],
            user=self.request.user,
            request=self.request,
        )

    def create_job(self, data, targets):
        return job_create(
            kind="commands.ip_send",
            title=f"IP command to {len(targets)} SIMs (port {data['device_port']})",
            user=self.request.user,
            items=[(sid, {}) for sid in targets],
            params={
                "payload": data["api_payload"],
                "payload_type": data["api_payload_type"],
                "device_port": data["device_port"],
            },
            request=self.request,
        )
