"""``SavedViewsMixin``: saved views, a column chooser and a default view for every ``ObjectListView``.

``apps.core.views.ObjectListView`` includes it, so a list page gets all of it without code of its own:
* the columns shown: ``?cols=a,b`` when given (a saved view's URL carries its columns), else the person's
  remembered columns of the list, else the table's; the others are hidden (``table.columns.hide``);
* the bare list URL (no query at all, not htmx) redirects to the person's default view of the list, when
  they have one; ``?view=all`` is the whole list;
* ``saved_views`` in the context for ``savedviews/_toolbar.html`` (included by ``core/object_list.html``).
Cost: none once warm (the person's preference and the list's views are cached per person and list, see
``selectors.saved_views_of_list``); two small queries after a change.
A page opts out with ``saved_views_enabled = False``."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.shortcuts import redirect

from apps.accounts.permissions import PERM_OPERATE

from .selectors import choosable_columns, clean_query, saved_views_of_list


@dataclass
class SavedViewsState:
    list_key: str
    path: str
    query: str  # the current filter + sort, as a view would keep it
    columns: list[str]  # the columns shown now (names)
    column_choices: list[tuple[str, str, bool]] = field(default_factory=list)  # (name, header, shown)
    cols_param: str = ""  # ?cols= as given
    views: list = field(default_factory=list)
    active: object = None
    modified: bool = False
    default: object = None
    can_share: bool = False

    @property
    def mine(self):
        return [v for v in self.views if v.owner_id == self._user_id]

    @property
    def others(self):
        return [v for v in self.views if v.owner_id != self._user_id]

    @property
    def all_url(self) -> str:
        return f"{self.path}?view=all"

    _user_id: int | None = None


class SavedViewsMixin:
    saved_views_enabled = True

    def _saved_views_on(self) -> bool:
        request = self.request
        return (
            self.saved_views_enabled
            and request.user.is_authenticated
            and getattr(request, "resolver_match", None) is not None
            and bool(request.resolver_match.view_name)
        )

    def get(self, request, *args, **kwargs):
        self.saved_views_preference = None
        if self._saved_views_on():
            self.saved_views_preference, self.saved_views_list = saved_views_of_list(
                request=request, list_key=request.resolver_match.view_name
            )
            default = self.saved_views_preference and self.saved_views_preference.default_view
            htmx = getattr(request, "htmx", None)
            if (
                default is not None
                and not request.GET
                and not htmx
                and (default.shared or default.owner_id == request.user.pk)
            ):
                return redirect(default.list_url())
        return super().get(request, *args, **kwargs)

    def saved_views_columns(self) -> list[str] | None:
        """The columns asked for: ``?cols=``, else the remembered ones, else None (the table's own)."""
        raw = self.request.GET.get("cols")
        if raw is not None:
            names = [n.strip() for n in raw.split(",") if n.strip()]
            return names or None
        pref = getattr(self, "saved_views_preference", None)
        return list(pref.columns) if pref is not None and pref.columns else None

    def saved_views_apply_columns(self, table) -> None:
        """Hide the table's choosable columns that are not asked for (nothing when none is asked for, or
        none of those asked for is the table's); ``table.hidden_columns`` names every hidden one."""
        choosable = choosable_columns(type(table))
        wanted = self.saved_views_columns()
        if wanted and set(wanted) & set(choosable):
            for name in choosable:
                if name not in wanted:
                    table.columns.hide(name)
        table.hidden_columns = {bc.name for bc in table.columns.iterall() if not bc.visible}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if not self._saved_views_on() or "table" not in context:
            return context
        request, table = self.request, context["table"]
        self.saved_views_apply_columns(table)
        list_key = request.resolver_match.view_name
        choosable = set(choosable_columns(type(table)))
        choices = [
            (bc.name, str(bc.header or bc.name), bc.visible)
            for bc in table.columns.iterall()
            if bc.name in choosable
        ]
        try:
            query = clean_query(request.GET.urlencode())
        except ValueError:
            query = ""
        state = SavedViewsState(
            list_key=list_key,
            path=request.path,
            query=query,
            columns=[name for name, _, shown in choices if shown],
            column_choices=choices,
            cols_param=request.GET.get("cols", ""),
            views=list(getattr(self, "saved_views_list", [])),
            can_share=request.user.has_perm(PERM_OPERATE),
        )
        state._user_id = request.user.pk
        pref = getattr(self, "saved_views_preference", None)
        if pref is not None and pref.default_view_id:
            state.default = next((v for v in state.views if v.pk == pref.default_view_id), None)
        view_id = request.GET.get("view", "")
        if view_id.isdigit():
            state.active = next((v for v in state.views if v.pk == int(view_id)), None)
            if state.active is not None:
                state.modified = state.active.query != query or (
                    ",".join(state.active.columns) != state.cols_param
                )
        context["saved_views"] = state
        return context
