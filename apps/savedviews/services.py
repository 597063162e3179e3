"""Every write of saved views and list preferences: validated, in one transaction, audited.

Who may do what: any viewer saves, changes and deletes their own views (private) and sets their own columns
and default views; sharing a view with everyone needs the operator role (``accounts.operate``: a shared view
appears on everyone's list page); an admin may also delete or un-share anyone's shared view."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from apps.accounts.permissions import PERM_OPERATE
from apps.audit.services import audit_record

from .models import ListPreference, SavedView
from .selectors import clean_columns, clean_query, list_view_class, saved_view_can_edit, saved_views_changed

MAX_NAME_LENGTH = 100


class SavedViewError(ValueError):
    """Input that cannot be saved; the message says why, for the page."""


def _snapshot(view: SavedView) -> dict:
    return {
        "name": view.name,
        "list": view.list_key,
        "shared": view.shared,
        "query": view.query,
        "columns": list(view.columns),
    }


def _list_class(list_key: str):
    view_class = list_view_class(list_key)
    if view_class is None:
        raise SavedViewError("That page has no saved views.")
    return view_class


def saved_view_save(
    *,
    user,
    list_key: str,
    name: str,
    query: str,
    columns,
    shared: bool,
    make_default: bool = False,
    request=None,
) -> SavedView:
    """Save the list's current filter, sort and columns under ``name``: a new view, or ``user``'s own view
    of that name on that list replaced (the same URL then opens the new content). ``shared`` needs the
    operator role (``PermissionDenied`` otherwise); ``make_default`` also makes it ``user``'s default view
    of the list. Raises ``SavedViewError`` for a name that is empty or too long, an unknown list, a query
    too long. Audited ``savedview.create`` / ``savedview.update``."""
    view_class = _list_class(list_key)
    name = " ".join((name or "").split())
    if not name:
        raise SavedViewError("Give the view a name.")
    if len(name) > MAX_NAME_LENGTH:
        raise SavedViewError(f"A view's name has at most {MAX_NAME_LENGTH} characters.")
    if shared and not user.has_perm(PERM_OPERATE):
        raise PermissionDenied("Sharing a view with everyone needs the operator role.")
    try:
        query = clean_query(query)
    except ValueError as exc:
        raise SavedViewError(str(exc)) from exc
    columns = clean_columns(columns or [], view_class.table_class)
    with transaction.atomic():
        view = SavedView.objects.select_for_update().filter(owner=user, list_key=list_key, name=name).first()
        before = _snapshot(view) if view else None
        if view is None:
            view = SavedView(owner=user, list_key=list_key, name=name)
        view.query, view.columns, view.shared = query, columns, bool(shared)
        view.save()
        audit_record(
            action="savedview.update" if before else "savedview.create",
            user=user,
            obj=view,
            before=before,
            after=_snapshot(view),
            request=request,
        )
        if make_default:
            list_preference_set_default(user=user, list_key=list_key, view=view, request=request)
    saved_views_changed(request)
    return view


def saved_view_set_shared(*, view: SavedView, user, shared: bool, request=None) -> SavedView:
    """Share ``view`` with everyone or make it private again. Its owner may (sharing needs the operator
    role), an admin may un-share anyone's; anyone else: ``PermissionDenied``. Audited ``savedview.update``."""
    if not saved_view_can_edit(view=view, user=user):
        raise PermissionDenied("Only its owner (or an admin) may change this view.")
    if shared and (view.owner_id != user.pk or not user.has_perm(PERM_OPERATE)):
        raise PermissionDenied("Sharing a view with everyone needs the operator role.")
    with transaction.atomic():
        before = _snapshot(view)
        view.shared = bool(shared)
        view.save(update_fields=["shared", "updated_at"])
        audit_record(
            action="savedview.update",
            user=user,
            obj=view,
            before=before,
            after=_snapshot(view),
            request=request,
        )
    saved_views_changed(request)
    return view


def saved_view_delete(*, view: SavedView, user, request=None) -> None:
    """Delete ``view`` (its owner, or an admin for a shared view; else ``PermissionDenied``); it stops being
    anyone's default. Audited ``savedview.delete``."""
    if not saved_view_can_edit(view=view, user=user):
        raise PermissionDenied("Only its owner (or an admin) may delete this view.")
    with transaction.atomic():
        before = _snapshot(view)
        audit_record(
            action="savedview.delete",
            user=user,
            object_type="savedview",
            object_id=str(view.pk),
            object_repr=view.name,
            before=before,
            request=request,
        )
        view.delete()
    saved_views_changed(request)


def list_preference_set_columns(*, user, list_key: str, columns, request=None) -> ListPreference:
    """Remember the columns ``user`` shows on the list (the table's own when ``columns`` keeps none of the
    table's). Audited ``listpreference.columns``."""
    view_class = _list_class(list_key)
    columns = clean_columns(columns or [], view_class.table_class)
    with transaction.atomic():
        pref, _ = ListPreference.objects.select_for_update().get_or_create(user=user, list_key=list_key)
        before = {"list": list_key, "columns": list(pref.columns)}
        pref.columns = columns
        pref.save(update_fields=["columns", "updated_at"])
        audit_record(
            action="listpreference.columns",
            user=user,
            object_type="listpreference",
            object_id=str(pref.pk),
            object_repr=str(pref),
            before=before,
            after={"list": list_key, "columns": columns},
            request=request,
        )
    saved_views_changed(request)
    return pref


def list_preference_set_default(
    *, user, list_key: str, view: SavedView | None, request=None
) -> ListPreference:
    """Make ``view`` (one ``user`` may open, of that list) ``user``'s default view of the list: the bare list
    URL then opens it. ``view=None`` goes back to the whole list. Audited ``listpreference.default``."""
    _list_class(list_key)
    if view is not None and (view.list_key != list_key or not (view.shared or view.owner_id == user.pk)):
        raise SavedViewError("That view is not one of this list's views you can open.")
    with transaction.atomic():
        pref, _ = ListPreference.objects.select_for_update().get_or_create(user=user, list_key=list_key)
        before = {"list": list_key, "default_view": pref.default_view_id}
        pref.default_view = view
        pref.save(update_fields=["default_view", "updated_at"])
        audit_record(
            action="listpreference.default",
            user=user,
            object_type="listpreference",
            object_id=str(pref.pk),
            object_repr=str(pref),
            before=before,
            after={
                "list": list_key,
                "default_view": view.pk if view else None,
                "name": view.name if view else "",
            },
            request=request,
        )
    saved_views_changed(request)
    return pref
