"""Session idle and absolute timeouts (OWASP ASVS 7.3): the session is flushed server-side."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import logout

_LAST = "_last_activity"
_STARTED = "_auth_started"
_WRITE_EVERY = 60  # seconds: don't rewrite the session on every request


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            session = request.session
            started = session.get(_STARTED)
            last = session.get(_LAST)
            if started is None:
                session[_STARTED] = started = now
            if last is None:
                session[_LAST] = last = now
            idle_over = now - last > settings.SESSION_IDLE_TIMEOUT
            absolute_over = now - started > settings.SESSION_COOKIE_AGE
            if idle_over or absolute_over:
                from apps.audit.services import audit_record

                audit_record(
                    action="auth.session_expired",
                    user=user,
                    request=request,
                    message="idle timeout" if idle_over else "absolute timeout",
                )
                logout(request)  # flushes the session row
            elif now - last >= _WRITE_EVERY:
                session[_LAST] = now
        return self.get_response(request)
