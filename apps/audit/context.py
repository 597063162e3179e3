"""The current request id, available to code that has no request object (services, tasks)."""

from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="")
