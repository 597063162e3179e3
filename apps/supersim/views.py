"""Webhook endpoints (public: csrf_exempt + login_not_required): check the signature, store the delivery
once (replays change nothing), queue the work, answer at once. Every content type is kept: form or query
parameters, a JSON object, or the raw body (:func:`~apps.supersim.webhooks.request_payload`); a delivery is
deduplicated on the provider's idempotency token, and on its content (two different signed bodies are two
deliveries, the same body twice is one).

* ``sms_commands`` / ``ip_commands``: the Fleet's SmsCommandsUrl / IpCommandsUrl (device-originated commands);
* ``command_status``: status callbacks of SMS and IP commands we sent;
* ``sim_status``: status callbacks of UpdateSim (e.g. ``scheduled`` -> ``active``);
* ``esim_status``: status callbacks of eSIM profiles.
"""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, HttpResponseForbidden, HttpResponseNotAllowed
from django.views.decorators.csrf import csrf_exempt

from .webhooks import delivery_token, request_payload, verify_request

logger = logging.getLogger(__name__)


def _endpoint(name: str):
    @csrf_exempt
    @login_not_required
    def view(request):
        from apps.commands.services import webhook_receive

        if request.method not in ("POST", "GET"):
            return HttpResponseNotAllowed(["POST", "GET"])
        if not verify_request(request):
            logger.warning("webhook %s: invalid signature from %s", name, request.META.get("REMOTE_ADDR"))
            return HttpResponseForbidden("invalid signature")
        receipt = webhook_receive(
            endpoint=name, params=request_payload(request), idempotency_token=delivery_token(request)
        )
        response = HttpResponse(status=204)
        response["X-Webhook-Result"] = "accepted" if receipt is not None else "duplicate"
        return response

    view.__name__ = f"webhook_{name}"
    return view


sms_commands = _endpoint("sms_commands")
ip_commands = _endpoint("ip_commands")
command_status = _endpoint("command_status")
sim_status = _endpoint("sim_status")
esim_status = _endpoint("esim_status")
