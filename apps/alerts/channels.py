"""Sending one delivery: the message (one alert, a resolve, or a digest), rendered for the channel's kind
and format, and one attempt to send it. Retries are the task's (``apps.alerts.tasks.deliver_task``).

Webhook requests are JSON bodies signed with the channel's secret::

    X-Alert-Timestamp: <unix seconds>
    X-Alert-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>

so a receiver checks the signature and refuses old timestamps (replays). Slack and Microsoft Teams get the
payloads their incoming webhooks accept (``text``; an Adaptive Card message).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse

from .models import Alert, Channel, Delivery


class SendFailed(Exception):
    def __init__(self, message: str, http_status: int | None = None):
        self.http_status = http_status
        super().__init__(message)


def absolute(path: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}{path}" if settings.PUBLIC_BASE_URL else path


@dataclass
class Message:
    event: str  # alert.opened / alert.resolved / alert.digest
    subject: str
    text: str
    url: str
    alerts: list[dict]
    count: int


def _alert_dict(alert: Alert) -> dict:
    return {
        "id": alert.pk,
        "rule": alert.rule.name,
        "condition": alert.rule.condition,
        "subject_type": alert.subject_type,
        "subject_id": alert.subject_id,
        "subject": alert.subject_label or alert.subject_id,
        "state": alert.state,
        "message": alert.message,
        "value": alert.value,
        "opened_at": alert.opened_at.isoformat(),
        "resolved_at": alert.resolved_at.isoformat() if alert.resolved_at else None,
        "url": absolute(alert.get_absolute_url()),
    }


def build_message(delivery: Delivery) -> Message:
    list_url = reverse("alerts:alert_list")
    if delivery.kind == Delivery.Kind.DIGEST:
        info = delivery.alert_ids or {}
        ids = info.get("ids", [])
        count = int(info.get("count", len(ids)))
        event = info.get("event", "opened")
        shown = list(
            Alert.objects.filter(pk__in=ids[: settings.ALERT_DIGEST_LIST])
            .select_related("rule")
            .order_by("pk")
        )
        state = "resolved" if event == "resolved" else "open"
        url = absolute(f"{list_url}?rule={delivery.rule_id}&state={state}" if delivery.rule_id else list_url)
        rule = delivery.rule.name if delivery.rule else "alert rule"
        verb = "resolved" if event == "resolved" else "opened"
        lines = [f"- {a.subject_label or a.subject_id}: {a.message}" for a in shown]
        if count > len(shown):
            lines.append(f"... and {count - len(shown)} more")
        text = f"{count} alerts {verb} for rule {rule!r}:\n" + "\n".join(lines) + f"\n\nAll of them: {url}"
        return Message(
            event="alert.digest",
            subject=f"[Super SIM] {count} alerts {verb}: {rule}",
            text=text,
            url=url,
            alerts=[_alert_dict(a) for a in shown],
            count=count,
        )
    alert = Alert.objects.select_related("rule").get(pk=delivery.alert_id)
    resolved = delivery.kind == Delivery.Kind.RESOLVED
    who = alert.subject_label or alert.subject_id
    if resolved:
        subject = f"[Super SIM] Resolved: {alert.rule.name} - {who}"
        text = f"Resolved: {alert.rule.name} - {who} (was: {alert.message})"
    else:
        subject = f"[Super SIM] {alert.rule.name} - {who}"
        text = f"{alert.rule.name} - {who}: {alert.message}"
    url = absolute(alert.get_absolute_url())
    return Message(
        event="alert.resolved" if resolved else "alert.opened",
        subject=subject,
        text=f"{text}\n\n{url}",
        url=url,
        alerts=[_alert_dict(alert)],
        count=1,
    )


def webhook_payload(channel: Channel, message: Message) -> dict:
    if channel.format == Channel.Format.SLACK:
        return {"text": f"{message.subject}\n{message.text}"}
    if channel.format == Channel.Format.TEAMS:
        return {
            "type": "message",
            "attachments": [
                {
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "content": {
                        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                        "type": "AdaptiveCard",
                        "version": "1.4",
                        "body": [
                            {"type": "TextBlock", "text": message.subject, "weight": "Bolder", "wrap": True},
                            {"type": "TextBlock", "text": message.text, "wrap": True},
                        ],
                        "actions": [{"type": "Action.OpenUrl", "title": "Open alerts", "url": message.url}],
                    },
                }
            ],
        }
    return {
        "event": message.event,
        "summary": message.subject,
        "text": message.text,
        "count": message.count,
        "url": message.url,
        "alerts": message.alerts,
    }


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def send_webhook(channel: Channel, message: Message) -> int:
    """POST the payload; returns the HTTP status; raises :class:`SendFailed` on an error or a non-2xx."""
    import requests

    body = json.dumps(webhook_payload(channel, message), separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "SuperSIM-Admin-Alerts/1",
        "X-Alert-Timestamp": timestamp,
    }
    if channel.secret:
        headers["X-Alert-Signature"] = sign(channel.secret, timestamp, body)
    try:
        response = requests.post(
            channel.target,
            data=body,
            headers=headers,
            timeout=settings.ALERT_WEBHOOK_TIMEOUT,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        raise SendFailed(f"{type(exc).__name__}: {exc}") from exc
    if not 200 <= response.status_code < 300:
        raise SendFailed(
            f"HTTP {response.status_code}: {response.text[:200]}", http_status=response.status_code
        )
    return response.status_code


def send_email(channel: Channel, message: Message) -> None:
    from django.core.mail import EmailMessage, get_connection

    if not channel.recipients:
        raise SendFailed("no recipient addresses")
    try:
        connection = get_connection(timeout=settings.EMAIL_TIMEOUT)
        EmailMessage(
            subject=message.subject, body=message.text, to=channel.recipients, connection=connection
        ).send()
    except Exception as exc:  # noqa: BLE001 - SMTP and socket errors of every kind
        raise SendFailed(f"{type(exc).__name__}: {exc}") from exc


def send(delivery: Delivery) -> int | None:
    """One attempt; returns the HTTP status (webhooks) or None; raises :class:`SendFailed`."""
    message = build_message(delivery)
    channel = delivery.channel
    if channel.kind == Channel.Kind.WEBHOOK:
        return send_webhook(channel, message)
    if channel.kind == Channel.Kind.EMAIL:
        send_email(channel, message)
    return None
