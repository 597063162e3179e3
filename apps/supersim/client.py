"""THE Super SIM API client: nothing else in the project speaks HTTP to the API.

One :class:`SuperSimClient` holds one ``requests.Session`` (pooled keep-alive connections). Configuration
comes from settings (see :func:`get_client`):

* ``SUPERSIM_API_BASE_URL``: ``https://supersim.twilio.com``, ``https://supersim.api.korewireless.com`` or the
  sandbox (``http://127.0.0.1:8000/sandbox``); a path prefix is kept. Paths are given as ``/v1/Sims`` or
  ``Sims`` (``/v1/`` is added).
* ``SUPERSIM_AUTH_MODE``: ``"basic"`` (Twilio: ``TWILIO_API_KEY`` + ``TWILIO_API_SECRET`` when set, else
  ``TWILIO_ACCOUNT_SID`` + ``TWILIO_AUTH_TOKEN``) or ``"kore"`` (OAuth2 client credentials
  ``KORE_CLIENT_ID`` / ``KORE_CLIENT_SECRET`` against ``KORE_TOKEN_URL``; the bearer token is cached
  process-wide, thread-safe, renewed ``SUPERSIM_TOKEN_RENEW_MARGIN`` seconds before
  it expires and once when the API answers 401).
* ``SUPERSIM_CONNECT_TIMEOUT`` / ``SUPERSIM_READ_TIMEOUT``.
* Retries: ``SUPERSIM_MAX_RETRIES`` attempts after the first, exponential backoff with jitter from
  ``SUPERSIM_RETRY_BACKOFF`` seconds (capped by ``SUPERSIM_RETRY_BACKOFF_MAX``). 429 is retried for every
  method (the request was not processed), honouring ``Retry-After`` (capped by ``SUPERSIM_RETRY_AFTER_MAX``);
  5xx and network errors are retried for GET only (a POST may have happened).

Results: ``fetch``/``create``/``update`` return the JSON ``dict``; :meth:`SuperSimClient.call` returns an
:class:`ApiResponse` (``data``, ``status``, ``headers``) for callers that need the HTTP status, e.g.
``UpdateSim`` answering ``202`` with status ``scheduled``: ``client.sim_update(...)`` returns the dict and
the status of the last call made by the current thread is in ``client.last_status``.

Errors: :class:`apps.supersim.errors.SuperSimError` and subclasses (see errors.py).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import queue
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import orjson
import requests
from requests.adapters import HTTPAdapter

from .errors import (
    SuperSimAuthError,
    SuperSimError,
    SuperSimNetworkError,
    SuperSimRateLimitError,
    SuperSimServerError,
    error_from_response,
)
from .limits import page_size_cap

logger = logging.getLogger(__name__)

USER_AGENT = "supersim-admin/0.1 (+requests)"
MAX_PAGE_SIZE = 1000
READ_CHUNK_BYTES = 1 << 20  # see _read_body


@dataclass(frozen=True)
class ClientConfig:
    base_url: str
    auth_mode: str = "basic"
    username: str = ""
    password: str = ""
    kore_client_id: str = ""
    kore_client_secret: str = ""
    kore_token_url: str = ""
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_retries: int = 5
    backoff: float = 0.5
    backoff_max: float = 30.0
    retry_after_max: float = 60.0
    token_renew_margin: float = 60.0
    page_size: int = MAX_PAGE_SIZE
    pool_maxsize: int = 16
    #: whose published limits apply (:mod:`apps.supersim.limits`): ``"twilio"`` or ``"kore"``
    provider: str = "twilio"

    @classmethod
    def from_settings(cls) -> ClientConfig:
        from django.conf import settings

        s = settings
        if getattr(s, "TWILIO_API_KEY", "") and getattr(s, "TWILIO_API_SECRET", ""):
            username, password = s.TWILIO_API_KEY, s.TWILIO_API_SECRET
        else:
            username, password = getattr(s, "TWILIO_ACCOUNT_SID", ""), getattr(s, "TWILIO_AUTH_TOKEN", "")
        concurrency = 4  # requests in flight at once: sizes the HTTP pool below (not a deployment's choice)
        base_url = str(s.SUPERSIM_API_BASE_URL).rstrip("/")
        auth_mode = str(getattr(s, "SUPERSIM_AUTH_MODE", "basic") or "basic").lower()
        return cls(
            base_url=base_url,
            auth_mode=auth_mode,
            provider=provider_of(base_url, auth_mode),
            username=username,
            password=password,
            kore_client_id=getattr(s, "KORE_CLIENT_ID", ""),
            kore_client_secret=getattr(s, "KORE_CLIENT_SECRET", ""),
            kore_token_url=getattr(s, "KORE_TOKEN_URL", ""),
            connect_timeout=float(getattr(s, "SUPERSIM_CONNECT_TIMEOUT", 5.0)),
            read_timeout=float(getattr(s, "SUPERSIM_READ_TIMEOUT", 30.0)),
            max_retries=int(getattr(s, "SUPERSIM_MAX_RETRIES", 5)),
            backoff=float(getattr(s, "SUPERSIM_RETRY_BACKOFF", 0.5)),
            backoff_max=float(getattr(s, "SUPERSIM_RETRY_BACKOFF_MAX", 30.0)),
            retry_after_max=float(getattr(s, "SUPERSIM_RETRY_AFTER_MAX", 60.0)),
            token_renew_margin=float(getattr(s, "SUPERSIM_TOKEN_RENEW_MARGIN", 60.0)),
            page_size=max(1, min(MAX_PAGE_SIZE, int(getattr(s, "SUPERSIM_PAGE_SIZE", MAX_PAGE_SIZE)))),
            pool_maxsize=max(8, 2 * concurrency + 4),
        )


def provider_of(base_url: str, auth_mode: str) -> str:
    """``"kore"`` when the client speaks to KORE (OAuth2 auth mode, or a ``korewireless.com`` host), else
    ``"twilio"``: whose published limits (PageSize caps) the client keeps to."""
    host = (urlsplit(base_url).hostname or "").lower()
    if auth_mode == "kore" or host == "korewireless.com" or host.endswith(".korewireless.com"):
        return "kore"
    return "twilio"


@dataclass
class ApiResponse:
    data: dict[str, Any]
    status: int
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def scheduled(self) -> bool:
        """``UpdateSim`` accepted the change but applies it later (HTTP 202, status ``scheduled``)."""
        return self.status == 202


@dataclass
class Page:
    """One page of a list: ``items`` (the dicts under ``meta.key``), 0-based ``number``, ``url``, ``key``."""

    items: list[dict[str, Any]]
    number: int
    url: str
    key: str
    next_url: str | None = None
    page_size: int = 0
    meta: dict[str, Any] = field(default_factory=dict)


# --- KORE bearer tokens: one cache per process, shared by every client and thread ---------------------------
@dataclass
class _Token:
    value: str
    expires_at: float  # time.monotonic()
    lifetime: float = 3600.0  # expires_in as the token endpoint gave it

    def fresh(self, margin: float) -> bool:
        """Still usable for a while: more than ``margin`` seconds left (at most half its lifetime, so a
        token shorter-lived than the margin is still used before it is renewed)."""
        return self.expires_at - min(margin, self.lifetime / 2) > time.monotonic()


_TOKENS: dict[tuple[str, str], _Token] = {}
_TOKEN_LOCK = threading.Lock()


def clear_token_cache() -> None:
    with _TOKEN_LOCK:
        _TOKENS.clear()


def _to_param(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_to_param(v) for v in value]
    return value


def params(**kwargs: Any) -> dict[str, Any]:
    """snake_case keyword arguments -> Twilio PascalCase parameters; ``None`` values are left out.

    ``params(unique_name="x", data_limit=1000, sms_commands_enabled=True)`` ->
    ``{"UniqueName": "x", "DataLimit": 1000, "SmsCommandsEnabled": "true"}``.
    """
    out: dict[str, Any] = {}
    for key, value in kwargs.items():
        if value is None:
            continue
        name = "".join(part[:1].upper() + part[1:] for part in key.split("_"))
        out[name] = _to_param(value)
    return out


class SuperSimClient:
    """A thread-safe client for the Super SIM v1 API (Twilio or KORE). Build it with :func:`get_client`."""

    def __init__(self, config: ClientConfig):
        self.config = config
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=config.pool_maxsize, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
        if config.auth_mode == "basic":
            self.session.auth = (config.username, config.password)
        elif config.auth_mode != "kore":
            raise ValueError(f"SUPERSIM_AUTH_MODE must be 'basic' or 'kore', not {config.auth_mode!r}")
        self._local = threading.local()
        #: counters, handy in tests and benchmarks
        self.stats = {"requests": 0, "retries": 0, "token_requests": 0}

    # --- plumbing -----------------------------------------------------------------------------------------
    @property
    def last_status(self) -> int | None:
        """HTTP status of the last call made through this client by the current thread."""
        return getattr(self._local, "status", None)

    def url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        path = path.lstrip("/")
        if not path.startswith("v1/"):
            path = "v1/" + path
        return f"{self.config.base_url}/{path}"

    @property
    def timeout(self) -> tuple[float, float]:
        return (self.config.connect_timeout, self.config.read_timeout)

    def _token_key(self) -> tuple[str, str]:
        return (self.config.kore_token_url, self.config.kore_client_id)

    def bearer_token(self, *, force: bool = False, stale: str | None = None) -> str:
        """The cached KORE access token, fetched (client credentials grant) when missing or near expiry.

        ``stale``: the token a 401 was answered to; it is renewed only if nobody renewed it meanwhile.
        """
        key = self._token_key()
        with _TOKEN_LOCK:
            token = _TOKENS.get(key)
            if token is not None and not force:
                if stale is not None:
                    if token.value != stale:  # another thread renewed it already
                        return token.value
                elif token.fresh(self.config.token_renew_margin):
                    return token.value
            token = self._request_token()
            _TOKENS[key] = token
            return token.value

    def _request_token(self) -> _Token:
        cfg = self.config
        if not cfg.kore_token_url or not cfg.kore_client_id:
            raise SuperSimAuthError(
                "KORE_TOKEN_URL and KORE_CLIENT_ID must be set for SUPERSIM_AUTH_MODE=kore"
            )
        self.stats["token_requests"] += 1
        try:
            response = self.session.post(
                cfg.kore_token_url,
                data={
                    "grant_type": "client_credentials",
                    "client_id": cfg.kore_client_id,
                    "client_secret": cfg.kore_client_secret,
                },
                timeout=self.timeout,
                auth=None,
            )
        except requests.RequestException as exc:
            raise SuperSimNetworkError(
                f"cannot reach the token endpoint: {exc}", method="POST", url=cfg.kore_token_url
            )
        if response.status_code >= 400:
            err = error_from_response(response, method="POST")
            if err.status in (400, 401, 403):
                raise SuperSimAuthError(
                    f"token request refused: {err.message}", status=err.status, code=err.code, url=err.url
                )
            raise err
        try:
            body = response.json()
            value = body["access_token"]
        except (ValueError, KeyError, TypeError):
            raise SuperSimAuthError(
                "the token endpoint answered without access_token", status=response.status_code
            )
        try:
            expires_in = max(0.0, float(body.get("expires_in") or 3600))
        except (TypeError, ValueError):
            expires_in = 3600.0
        if not isinstance(value, str) or not value:
            raise SuperSimAuthError(
                "the token endpoint answered without access_token", status=response.status_code
            )
        return _Token(value=value, expires_at=time.monotonic() + expires_in, lifetime=expires_in)

    def _sleep_for(self, attempt: int, retry_after: float | None = None) -> float:
        if retry_after is not None:
            return min(retry_after, self.config.retry_after_max)
        ceiling = min(self.config.backoff_max, self.config.backoff * (2**attempt))
        return ceiling / 2 + random.uniform(0, ceiling / 2)  # "equal jitter"

    def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
    ) -> ApiResponse:
        """One API call with auth, timeouts and retries; raises :class:`SuperSimError` on failure."""
        method = method.upper()
        url = self.url(path)
        idempotent = method in ("GET", "HEAD")
        attempt = 0
        renewed = False
        while True:
            headers = {}
            token = None
            if self.config.auth_mode == "kore":
                token = self.bearer_token()
                headers["Authorization"] = f"Bearer {token}"
            self.stats["requests"] += 1
            try:
                response = self.session.request(
                    method, url, params=params, data=data, headers=headers, timeout=self.timeout, stream=True
                )
                content = _read_body(response)
            except requests.RequestException as exc:
                kind = "timed out" if isinstance(exc, requests.Timeout) else "connection failed"
                error = SuperSimNetworkError(
                    f"{method} {url} {kind}: {type(exc).__name__}", method=method, url=url
                )
                if idempotent and attempt < self.config.max_retries:
                    self._retry_wait(attempt, error)
                    attempt += 1
                    continue
                raise error from exc
            status = response.status_code
            self._local.status = status
            if status < 400:
                if status == 204 or not content:
                    return ApiResponse({}, status, dict(response.headers))
                try:
                    body = orjson.loads(content)  # 3x the stdlib; shares the GIL with writing
                except ValueError:
                    raise SuperSimError(
                        f"the API answered {status} with a body that is not JSON",
                        status=status,
                        method=method,
                        url=url,
                    )
                return ApiResponse(body, status, dict(response.headers))
            error = error_from_response(response, method=method)
            if status == 401 and self.config.auth_mode == "kore" and not renewed:
                renewed = True
                self.bearer_token(stale=token)
                continue
            retry = attempt < self.config.max_retries and (
                isinstance(error, SuperSimRateLimitError)
                or (idempotent and isinstance(error, SuperSimServerError))
            )
            if not retry:
                raise error
            self._retry_wait(attempt, error)
            attempt += 1

    def _retry_wait(self, attempt: int, error: SuperSimError) -> None:
        delay = self._sleep_for(attempt, error.retry_after)
        self.stats["retries"] += 1
        logger.info(
            "supersim: %s %s -> %s; retry %d in %.2fs", error.method, error.url, error, attempt + 1, delay
        )
        time.sleep(delay)

    def page_size_cap(self, path: str) -> int:
        """The largest PageSize the configured provider accepts on the list at ``path``."""
        return page_size_cap(path, self.config.provider)

    # --- generic operations -------------------------------------------------------------------------------
    def fetch(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.call("GET", path, params=params).data

    def create(self, path: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.call("POST", path, data=data or {}).data

    def update(self, path: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST an update; the HTTP status (200, or 202 = scheduled) is then in :attr:`last_status`."""
        return self.call("POST", path, data=data or {}).data

    def delete(self, path: str) -> None:
        self.call("DELETE", path)

    def get_page(self, url: str, params: dict[str, Any] | None = None) -> Page:
        body = self.call("GET", url, params=params).data
        meta = body.get("meta") or {}
        key = meta.get("key") or next((k for k, v in body.items() if k != "meta" and isinstance(v, list)), "")
        return Page(
            items=body.get(key) or [],
            number=int(meta.get("page") or 0),
            url=meta.get("url") or url,
            key=key,
            next_url=meta.get("next_page_url") or None,
            page_size=int(meta.get("page_size") or 0),
            meta=meta,
        )

    def iter_pages(
        self,
        path: str,
        params: dict[str, Any] | None = None,
        page_size: int | None = None,
        *,
        prefetch: int = 0,
        transform: Callable[[list[dict[str, Any]]], list] | None = None,
    ) -> Iterator[Page]:
        """Every page of a list, following ``meta.next_page_url``.

        ``PageSize`` is ``page_size`` (default ``SUPERSIM_PAGE_SIZE``) capped by the provider's maximum for
        this list (:meth:`page_size_cap`), so no list ever asks for more than the API accepts.
        ``prefetch=N`` downloads up to N pages ahead in a background thread while the caller works on the
        current one (the sync engine overlaps HTTP with database writes this way). An error while fetching is
        raised from the iterator at the point where the failed page would have come. ``transform`` replaces
        each page's items by ``transform(items)``; when prefetching, in a second background thread, between
        the fetching one and the caller (the sync engine hashes the items there, beside the database writes
        of the page before, while the next page is already on its way).
        """
        query = dict(params or {})
        query["PageSize"] = max(1, min(self.page_size_cap(path), page_size or self.config.page_size))

        def fetched() -> Iterator[Page]:
            page = self.get_page(self.url(path), query)
            yield page
            while page.next_url:
                page = self.get_page(urljoin(self.url(path), page.next_url))
                yield page

        def transformed(pages: Iterator[Page]) -> Iterator[Page]:
            with contextlib.closing(pages):  # stops the fetching thread when this stage is closed
                for page in pages:
                    page.items = transform(page.items)
                    yield page

        if prefetch <= 0:
            yield from (transformed(fetched()) if transform is not None else fetched())
            return
        # The next request goes out as soon as a page has arrived: the transform of that page runs in a
        # thread of its own, so it never sits between two requests (a hash of 1000 items per page did).
        pages = _in_background(fetched(), prefetch, timeout=self.config.read_timeout + 5)
        if transform is not None:
            pages = _in_background(transformed(pages), prefetch, timeout=self.config.read_timeout + 5)
        with contextlib.closing(pages):
            yield from pages

    def list(
        self, path: str, params: dict[str, Any] | None = None, *, limit: int | None = None
    ) -> list[dict[str, Any]]:
        """All items of a (small) list, or the first ``limit``."""
        out: list[dict[str, Any]] = []
        size = min(self.page_size_cap(path), limit) if limit else None
        for page in self.iter_pages(path, params, page_size=size):
            out.extend(page.items)
            if limit is not None and len(out) >= limit:
                return out[:limit]
        return out

    # --- typed wrappers: one per operation of the Super SIM v1 API ----------------------------------------
    # Sims
    def sims_list(
        self, *, status: str | None = None, fleet: str | None = None, iccid: str | None = None, limit=None
    ) -> list[dict]:
        return self.list("Sims", params(status=status, fleet=fleet, iccid=iccid), limit=limit)

    def sim_fetch(self, sid: str) -> dict:
        return self.fetch(f"Sims/{sid}")

    def sim_create(self, *, iccid: str, registration_code: str) -> dict:
        return self.create("Sims", params(iccid=iccid, registration_code=registration_code))

    def sim_update(
        self,
        sid: str,
        *,
        status: str | None = None,
        fleet: str | None = None,
        unique_name: str | None = None,
        callback_url: str | None = None,
        callback_method: str | None = None,
        account_sid: str | None = None,
    ) -> dict:
        """UpdateSim; ``self.last_status == 202`` means the change is ``scheduled`` (applied later)."""
        return self.update(
            f"Sims/{sid}",
            params(
                status=status,
                fleet=fleet,
                unique_name=unique_name,
                callback_url=callback_url,
                callback_method=callback_method,
                account_sid=account_sid,
            ),
        )

    def sim_billing_periods(self, sim_sid: str) -> list[dict]:
        return self.list(f"Sims/{sim_sid}/BillingPeriods")

    def sim_ip_addresses(self, sim_sid: str) -> list[dict]:
        return self.list(f"Sims/{sim_sid}/IpAddresses")

    # Fleets
    def fleets_list(self, *, network_access_profile: str | None = None, limit=None) -> list[dict]:
        return self.list("Fleets", params(network_access_profile=network_access_profile), limit=limit)

    def fleet_fetch(self, sid: str) -> dict:
        return self.fetch(f"Fleets/{sid}")

    def fleet_create(
        self,
        *,
        network_access_profile: str,
        unique_name: str | None = None,
        data_enabled: bool | None = None,
        data_limit: int | None = None,
        ip_commands_url: str | None = None,
        ip_commands_method: str | None = None,
        sms_commands_enabled: bool | None = None,
        sms_commands_url: str | None = None,
        sms_commands_method: str | None = None,
    ) -> dict:
        return self.create(
            "Fleets",
            params(
                network_access_profile=network_access_profile,
                unique_name=unique_name,
                data_enabled=data_enabled,
                data_limit=data_limit,
                ip_commands_url=ip_commands_url,
                ip_commands_method=ip_commands_method,
                sms_commands_enabled=sms_commands_enabled,
                sms_commands_url=sms_commands_url,
                sms_commands_method=sms_commands_method,
            ),
        )

    def fleet_update(
        self,
        sid: str,
        *,
        unique_name: str | None = None,
        network_access_profile: str | None = None,
        ip_commands_url: str | None = None,
        ip_commands_method: str | None = None,
        sms_commands_url: str | None = None,
        sms_commands_method: str | None = None,
        data_limit: int | None = None,
    ) -> dict:
        return self.update(
            f"Fleets/{sid}",
            params(
                unique_name=unique_name,
                network_access_profile=network_access_profile,
                ip_commands_url=ip_commands_url,
                ip_commands_method=ip_commands_method,
                sms_commands_url=sms_commands_url,
                sms_commands_method=sms_commands_method,
                data_limit=data_limit,
            ),
        )

    # Networks and Network Access Profiles
    def networks_list(
        self, *, iso_country: str | None = None, mcc: str | None = None, mnc: str | None = None, limit=None
    ) -> list[dict]:
        return self.list("Networks", params(iso_country=iso_country, mcc=mcc, mnc=mnc), limit=limit)

    def network_fetch(self, sid: str) -> dict:
        return self.fetch(f"Networks/{sid}")

    def naps_list(self, *, limit=None) -> list[dict]:
        return self.list("NetworkAccessProfiles", limit=limit)

    def nap_fetch(self, sid: str) -> dict:
        return self.fetch(f"NetworkAccessProfiles/{sid}")

    def nap_create(self, *, unique_name: str | None = None, networks: Iterable[str] | None = None) -> dict:
        return self.create(
            "NetworkAccessProfiles",
            params(unique_name=unique_name, networks=list(networks) if networks is not None else None),
        )

    def nap_update(self, sid: str, *, unique_name: str | None = None) -> dict:
        return self.update(f"NetworkAccessProfiles/{sid}", params(unique_name=unique_name))

    def nap_networks_list(self, nap_sid: str) -> list[dict]:
        return self.list(f"NetworkAccessProfiles/{nap_sid}/Networks")

    def nap_network_fetch(self, nap_sid: str, network_sid: str) -> dict:
        return self.fetch(f"NetworkAccessProfiles/{nap_sid}/Networks/{network_sid}")

    def nap_network_add(self, nap_sid: str, network_sid: str) -> dict:
        return self.create(f"NetworkAccessProfiles/{nap_sid}/Networks", {"Network": network_sid})

    def nap_network_remove(self, nap_sid: str, network_sid: str) -> None:
        self.delete(f"NetworkAccessProfiles/{nap_sid}/Networks/{network_sid}")

    # eSIM profiles
    def esim_profiles_list(
        self, *, eid: str | None = None, sim_sid: str | None = None, status: str | None = None, limit=None
    ) -> list[dict]:
        return self.list("ESimProfiles", params(eid=eid, sim_sid=sim_sid, status=status), limit=limit)

    def esim_profile_fetch(self, sid: str) -> dict:
        return self.fetch(f"ESimProfiles/{sid}")

    def esim_profile_create(
        self,
        *,
        eid: str | None = None,
        generate_matching_id: bool | None = None,
        callback_url: str | None = None,
        callback_method: str | None = None,
    ) -> dict:
        return self.create(
            "ESimProfiles",
            params(
                eid=eid,
                generate_matching_id=generate_matching_id,
                callback_url=callback_url,
                callback_method=callback_method,
            ),
        )

    # Settings updates
    def settings_updates_list(self, *, sim: str | None = None, status: str | None = None, limit=None):
        return self.list("SettingsUpdates", params(sim=sim, status=status), limit=limit)

    # SMS and IP commands
    def sms_commands_list(
        self, *, sim: str | None = None, status: str | None = None, direction: str | None = None, limit=None
    ) -> list[dict]:
        return self.list("SmsCommands", params(sim=sim, status=status, direction=direction), limit=limit)

    def sms_command_fetch(self, sid: str) -> dict:
        return self.fetch(f"SmsCommands/{sid}")

    def sms_command_create(
        self, *, sim: str, payload: str, callback_url: str | None = None, callback_method: str | None = None
    ) -> dict:
        return self.create(
            "SmsCommands",
            params(sim=sim, payload=payload, callback_url=callback_url, callback_method=callback_method),
        )

    def ip_commands_list(
        self,
        *,
        sim: str | None = None,
        sim_iccid: str | None = None,
        status: str | None = None,
        direction: str | None = None,
        limit=None,
    ) -> list[dict]:
        return self.list(
            "IpCommands",
            params(sim=sim, sim_iccid=sim_iccid, status=status, direction=direction),
            limit=limit,
        )

    def ip_command_fetch(self, sid: str) -> dict:
        return self.fetch(f"IpCommands/{sid}")

    def ip_command_create(
        self,
        *,
        sim: str,
        payload: str,
        device_port: int,
        payload_type: str | None = None,
        callback_url: str | None = None,
        callback_method: str | None = None,
    ) -> dict:
        return self.create(
            "IpCommands",
            params(
                sim=sim,
                payload=payload,
                device_port=device_port,
                payload_type=payload_type,
                callback_url=callback_url,
                callback_method=callback_method,
            ),
        )

    # Usage records
    def usage_records(
        self,
        *,
        sim: str | None = None,
        fleet: str | None = None,
        network: str | None = None,
        iso_country: str | None = None,
        group: str | None = None,
        granularity: str | None = None,
        start_time: dt.datetime | None = None,
        end_time: dt.datetime | None = None,
        limit=None,
    ) -> list[dict]:
        query = params(
            sim=sim,
            fleet=fleet,
            network=network,
            iso_country=iso_country,
            group=group,
            granularity=granularity,
            start_time=start_time,
            end_time=end_time,
        )
        return self.list("UsageRecords", query, limit=limit)


# --- the client of the current settings ---------------------------------------------------------------------
_CLIENTS: dict[ClientConfig, SuperSimClient] = {}
_CLIENTS_LOCK = threading.Lock()


def get_client() -> SuperSimClient:
    """The client for the current settings (one per distinct configuration, so tests that change settings
    get a fresh one)."""
    config = ClientConfig.from_settings()
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(config)
        if client is None:
            client = SuperSimClient(config)
            _CLIENTS[config] = client
        return client


def _read_body(response: requests.Response) -> bytes:
    """The whole body of a streamed response, read in chunks of ``READ_CHUNK_BYTES`` (then the connection
    goes back to the pool). ``response.content`` reads 10 KB at a time: about 100 reads for a page of 1000
    SIMs, and each read gives up the GIL and must take it back - from the sync's other threads, which hold it
    for up to ``sys.getswitchinterval()`` each time (measured: 100 pages of 1 MB beside a busy thread,
    9.2 s in 10 KB reads, 2.1 s in 1 MB reads)."""
    if response.status_code >= 400:
        return response.content  # error answers are small; error_from_response reads them from here
    try:
        return b"".join(response.iter_content(chunk_size=READ_CHUNK_BYTES))
    finally:
        response.close()


def _in_background(items: Iterator, maxsize: int, *, timeout: float) -> Iterator:
    """Run the iterator ``items`` in a thread, at most ``maxsize`` items ahead of the caller; yield its
    items in order and raise its exception where the failed item would have come. Closing the returned
    generator stops the thread (and closes ``items`` in it)."""
    pipe: queue.Queue = queue.Queue(maxsize=max(1, maxsize))
    stop = threading.Event()
    done = object()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                pipe.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def produce():
        try:
            for item in items:
                if not put(item):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            put(exc)
        else:
            put(done)
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    def consume() -> Iterator:
        thread = threading.Thread(target=produce, name="supersim-prefetch", daemon=True)
        thread.start()
        try:
            while True:
                item = pipe.get()
                if item is done:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()
            thread.join(timeout=timeout)

    return consume()


__all__ = [
    "ApiResponse",
    "ClientConfig",
    "Page",
    "SuperSimClient",
    "SuperSimError",
    "clear_token_cache",
    "get_client",
    "params",
]
