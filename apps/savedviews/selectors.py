"""Reads of saved views and list preferences, and what a list page offers them (its columns)."""

from __future__ import annotations

import logging
import uuid

from django.core.cache import cache
from django.db.models import F, Q, QuerySet
from django.http import QueryDict
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django_tables2 import CheckBoxColumn

from apps.core.cache import cached_value, data_version

from .models import ListPreference, SavedView

logger = logging.getLogger(__name__)

#: query parameters that are not part of a view: where the page is, and what the view itself adds
NOT_SAVED_KEYS = ("page", "after", "pos", "view", "cols")
MAX_QUERY_LENGTH = 2000


def clean_query(raw: str) -> str:
    """A list's query string as a view keeps it: without the paging / cursor / ``cols`` / ``view`` keys and
    the empty values (a blank filter field filters nothing), keys in the order given. Raises ``ValueError``
    when it is longer than ``MAX_QUERY_LENGTH``."""
    query = QueryDict((raw or "").lstrip("?"), mutable=True)
    for key in NOT_SAVED_KEYS:
        query.pop(key, None)
    for key in list(query):
        values = [v for v in query.getlist(key) if v.strip()]
        if values:
            query.setlist(key, values)
        else:
            del query[key]
    text = query.urlencode()
    if len(text) > MAX_QUERY_LENGTH:
        raise ValueError(
            f"That filter is too long to save ({len(text)} characters, at most {MAX_QUERY_LENGTH})."
        )
    return text


def list_view_class(list_key: str):
    """The ``ObjectListView`` subclass behind the URL name ``list_key`` when it offers saved views, else
    None (an unknown name, a URL with arguments, a page that is not a list)."""
    from apps.core.views import ObjectListView

    try:
        match = resolve(reverse(list_key))
    except (NoReverseMatch, Resolver404):
        return None
    view_class = getattr(match.func, "view_class", None)
    if view_class is None or not issubclass(view_class, ObjectListView):
        return None
    return view_class if getattr(view_class, "saved_views_enabled", False) else None


def choosable_columns(table_class) -> list[str]:
    """The names of the columns a person may show or hide: every column the table defines but its row
    checkboxes (which follow the role, not a choice)."""
    excluded = set(getattr(table_class._meta, "exclude", None) or ())
    return [
        name
        for name, column in table_class.base_columns.items()
        if name not in excluded and not isinstance(column, CheckBoxColumn)
    ]


def clean_columns(names, table_class) -> list[str]:
    """``names`` kept to the table's choosable columns, in the table's order, without repeats."""
    wanted = {str(n).strip() for n in names if str(n).strip()}
    return [name for name in choosable_columns(table_class) if name in wanted]


def saved_views_visible(*, user, list_key: str | None = None) -> QuerySet[SavedView]:
    """The views ``user`` may open: their own and everyone's shared ones (of one list when given), each with
    ``owner_name`` (not the owner's row: these are cached, and a user row holds a password hash)."""
    views = SavedView.objects.filter(Q(owner=user) | Q(shared=True)).annotate(owner_name=F("owner__username"))
    return views.filter(list_key=list_key) if list_key else views


def list_preference_get(*, user, list_key: str) -> ListPreference | None:
    """``user``'s preference for the list, with its default view (one query), or None."""
    return ListPreference.objects.select_related("default_view").filter(user=user, list_key=list_key).first()


def saved_view_can_edit(*, view: SavedView, user) -> bool:
    """Whether ``user`` may change or delete ``view``: its owner, or an admin for a shared view."""
    from apps.accounts.permissions import PERM_ADMIN

    return view.owner_id == user.pk or (view.shared and user.has_perm(PERM_ADMIN))


#: the data version (apps.core.cache) of every saved view and list preference, replaced by each write
SAVEDVIEWS_DATA = "savedviews"
#: how long a list page's saved views stay cached per person (with a per-process cache, how late another
#: process may see someone else's change; the writer's own pages see theirs at once: SESSION_TOKEN)
CACHE_SECONDS = 60
SESSION_TOKEN = "savedviews_token"


def saved_views_of_list(*, request, list_key: str) -> tuple[ListPreference | None, list[SavedView]]:
    """What a list page needs: the person's preference of the list (with its default view) and the views
    they may open there. Cached per person and list under the saved views' data version and the session's
    token (both replaced by :func:`saved_views_changed`): a list page costs no query for it once warm."""
    user = request.user
    session = getattr(request, "session", None)
    token = session.get(SESSION_TOKEN, "0") if session is not None else "0"
    key = f"savedviews:{data_version(SAVEDVIEWS_DATA)}:{token}:{user.pk}:{list_key}"

    def compute():
        return (
            list_preference_get(user=user, list_key=list_key),
            list(saved_views_visible(user=user, list_key=list_key)),
        )

    return cached_value(key, compute, CACHE_SECONDS)


def saved_views_changed(request=None) -> None:
    """After any write: every cached list page state goes stale (the data version), and at once for the
    writer's session even where the cache is per process (its token)."""
    token = uuid.uuid4().hex[:16]
    try:
        cache.set(f"dataver:{SAVEDVIEWS_DATA}", token, None)
    except Exception:  # noqa: BLE001 - the cache's own errors: nothing is served from it either
        logger.warning("cache unreachable: version of %s not bumped", SAVEDVIEWS_DATA)
    session = getattr(request, "session", None) if request is not None else None
    if session is not None:
        session[SESSION_TOKEN] = token
