"""The client's IP address, for login throttling (django-axes) and the audit log.

Behind ``PROXY_COUNT`` trusted reverse proxies each proxy appends the address it received the connection
from to ``X-Forwarded-For``; the last proxy is ``REMOTE_ADDR``. So the client is the ``PROXY_COUNT``-th
entry from the right: entries further left are whatever the client sent and are never trusted (a client
rotating a fake ``X-Forwarded-For`` cannot dodge a lockout). With ``PROXY_COUNT=0`` the header is ignored.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR") or None
    count = int(settings.PROXY_COUNT or 0)
    if count <= 0:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    if len(hops) < count:
        return remote  # did not come through the configured proxies
    candidate = hops[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
