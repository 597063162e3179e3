"""Saved views and list preferences: thin views over apps.savedviews.services (every write audited).

All of them are for any viewer (their own data); what each person may change is the services' rule
(sharing needs the operator role, only an owner - or an admin, for a shared view - changes a view)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from apps.accounts.permissions import PERM_ADMIN, ViewerRequiredMixin, _record_denied

from . import services
from .selectors import list_view_class, saved_view_can_edit, saved_views_visible


def _back(request, list_key: str, query: str = "") -> HttpResponseRedirect:
    """Back to the list (with its query) the form was on; the views page when the list is unknown."""
    if list_view_class(list_key) is None:
        return redirect("savedviews:index")
    return HttpResponseRedirect(reverse(list_key) + (f"?{query}" if query else ""))


def _denied(request, exc: PermissionDenied):
    _record_denied(request)
    raise exc


class SavedViewIndexView(ViewerRequiredMixin, View):
    """Every view the person may open, theirs first, each with what they may do to it."""

    def get(self, request):
        views = list(saved_views_visible(user=request.user).order_by("list_key", "name", "id"))
        for view in views:
            view.can_edit = saved_view_can_edit(view=view, user=request.user)
            view.is_mine = view.owner_id == request.user.pk
            view.list_title = _list_title(view.list_key)
        defaults = set(
            request.user.list_preferences.exclude(default_view=None).values_list("default_view_id", flat=True)
        )
        context = {
            "page_title": "Saved views",
            "mine": [v for v in views if v.is_mine],
            "others": [v for v in views if not v.is_mine],
            "defaults": defaults,
            "can_share": request.user.has_perm("accounts.operate"),
            "is_admin": request.user.has_perm(PERM_ADMIN),
        }
        return render(request, "savedviews/index.html", context)


def _list_title(list_key: str) -> str:
    view_class = list_view_class(list_key)
    if view_class is None:
        return list_key
    return view_class.page_title or view_class.model._meta.verbose_name_plural.capitalize()


class SavedViewOpenView(ViewerRequiredMixin, View):
    """``/views/<id>/``: a short link to a view, for those who may open it (its own URL works for anyone)."""

    def get(self, request, pk):
        view = get_object_or_404(saved_views_visible(user=request.user), pk=pk)
        if list_view_class(view.list_key) is None:
            messages.error(request, "The page of that view no longer exists.")
            return redirect("savedviews:index")
        return redirect(view.list_url())


class SavedViewSaveView(ViewerRequiredMixin, View):
    """POST from a list page's "Save view" form: list, name, query (the page's current one), columns,
    shared, default. Back to the view's URL; a refused input is a message on the list page."""

    http_method_names = ["post"]

    def post(self, request):
        data = request.POST
        list_key = data.get("list", "")
        try:
            view = services.saved_view_save(
                user=request.user,
                list_key=list_key,
                name=data.get("name", ""),
                query=data.get("query", ""),
                columns=[c for c in data.get("columns", "").split(",") if c],
                shared=data.get("shared") == "on",
                make_default=data.get("make_default") == "on",
                request=request,
            )
        except services.SavedViewError as exc:
            messages.error(request, str(exc))
            return _back(request, list_key, data.get("query", "")[:2000])
        except PermissionDenied as exc:
            _record_denied(request)
            messages.error(request, str(exc))
            return _back(request, list_key, data.get("query", "")[:2000])
        messages.success(
            request, f"View “{view.name}” saved" + (", shared with everyone." if view.shared else ".")
        )
        return redirect(view.list_url())


class SavedViewShareView(ViewerRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        view = get_object_or_404(saved_views_visible(user=request.user), pk=pk)
        shared = request.POST.get("shared") == "on"
        try:
            services.saved_view_set_shared(view=view, user=request.user, shared=shared, request=request)
        except PermissionDenied as exc:
            _denied(request, exc)
        messages.success(
            request, f"View “{view.name}” is {'shared with everyone' if shared else 'private'} now."
        )
        return redirect("savedviews:index")


class SavedViewDeleteView(ViewerRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        view = get_object_or_404(saved_views_visible(user=request.user), pk=pk)
        name, list_key = view.name, view.list_key
        try:
            services.saved_view_delete(view=view, user=request.user, request=request)
        except PermissionDenied as exc:
            _denied(request, exc)
        messages.success(request, f"View “{name}” deleted.")
        nxt = request.POST.get("next", "")
        if nxt == "list":
            return _back(request, list_key)
        return redirect("savedviews:index")


class ListDefaultView(ViewerRequiredMixin, View):
    """POST: make a view (``view``: its id) the person's default of its list, or (``list`` and no view) go
    back to the whole list as the default."""

    http_method_names = ["post"]

    def post(self, request):
        view_id = request.POST.get("view", "")
        list_key = request.POST.get("list", "")
        view = None
        if view_id:
            view = get_object_or_404(
                saved_views_visible(user=request.user), pk=view_id if view_id.isdigit() else 0
            )
            list_key = view.list_key
        try:
            services.list_preference_set_default(
                user=request.user, list_key=list_key, view=view, request=request
            )
        except services.SavedViewError as exc:
            messages.error(request, str(exc))
            return redirect("savedviews:index")
        if view is not None:
            messages.success(request, f"“{view.name}” is your default view of this list.")
        else:
            messages.success(request, "This list opens in full again.")
        nxt = request.POST.get("next", "")
        if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
            return HttpResponseRedirect(nxt)
        return redirect("savedviews:index")


class ListColumnsView(ViewerRequiredMixin, View):
    """POST from a list page's column chooser: remember the checked columns for the person and that list,
    then back to the list (same query) showing them."""

    http_method_names = ["post"]

    def post(self, request):
        list_key = request.POST.get("list", "")
        columns = request.POST.getlist("columns")
        query = request.POST.get("query", "")[:2000]
        try:
            pref = services.list_preference_set_columns(
                user=request.user, list_key=list_key, columns=columns, request=request
            )
        except services.SavedViewError as exc:
            messages.error(request, str(exc))
            return redirect("savedviews:index")
        from django.http import QueryDict

        params = QueryDict(query.lstrip("?"), mutable=True)
        params.pop("cols", None)
        params.pop("view", None)
        if pref.columns:
            params["cols"] = ",".join(pref.columns)
        messages.success(request, "Columns saved for this list.")
        return _back(request, list_key, params.urlencode())
