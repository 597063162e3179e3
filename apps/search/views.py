from __future__ import annotations

from django.shortcuts import redirect, render
from django.views import View

from apps.accounts.permissions import ViewerRequiredMixin

from .registry import MIN_LENGTH
from .selectors import RESULTS_LIMIT, SUGGEST_LIMIT, search_everything, search_exact_hit


class SearchResultsView(ViewerRequiredMixin, View):
    """The full results page (the box's Enter, or a browser without JavaScript): every group, up to
    ``RESULTS_LIMIT`` hits each; an exact ICCID / SID / EID goes straight to its object (302)."""

    def get(self, request):
        query, groups = search_everything(text=request.GET.get("q", ""), limit=RESULTS_LIMIT)
        exact = search_exact_hit(groups)
        if exact is not None:
            return redirect(exact.url)
        context = {
            "page_title": "Search",
            "query": query,
            "groups": groups,
            "min_length": MIN_LENGTH,
            "limit": RESULTS_LIMIT,
        }
        return render(request, "search/results.html", context)


class SearchSuggestView(ViewerRequiredMixin, View):
    """The box's suggestions as you type (htmx, debounced): the listbox partial, ``SUGGEST_LIMIT`` hits
    per group. Never redirects: the person may still be typing."""

    def get(self, request):
        query, groups = search_everything(text=request.GET.get("q", ""), limit=SUGGEST_LIMIT)
        return render(
            request,
            "search/_suggestions.html",
            {"query": query, "groups": groups, "min_length": MIN_LENGTH},
        )
