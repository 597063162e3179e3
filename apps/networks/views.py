from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.views import View

from apps.accounts.permissions import AdminRequiredMixin, ViewerRequiredMixin
from apps.core.htmx import htmx_redirect, is_htmx, render_page_or_partial, trigger
from apps.core.views import ObjectListView
from apps.fleets.selectors import fleets_for_nap_queryset
from apps.supersim.errors import SuperSimError, api_error_text

from . import selectors, services
from .filtersets import NapFilterSet, NetworkFilterSet
from .forms import NapCreateForm, NapNetworkAddForm, NapRenameForm
from .models import Network, NetworkAccessProfile, NetworkAccessProfileNetwork
from .tables import NapTable, NetworkTable, identifiers_text

#: Twilio error codes that belong to one form field
ERROR_FIELDS = {83011: "unique_name"}


def _add_api_error(form, exc: SuperSimError) -> None:
    field = ERROR_FIELDS.get(exc.code)
    form.add_error(field if field in form.fields else None, api_error_text(exc))


def _get_nap(sid: str) -> NetworkAccessProfile:
    try:
        return selectors.nap_get(sid=sid)
    except NetworkAccessProfile.DoesNotExist:
        raise Http404("No such Network Access Profile")


#: the parts of the NAP page an htmx request may aim at (HX-Target -> template)
NAP_PARTS = {
    "network-search-results": "networks/_nap_network_search.html",
    "nap-networks": "networks/_nap_networks.html",
}


# --- Networks (catalogue) ---------------------------------------------------------------------------------
class NetworkListView(ObjectListView):
    queryset = selectors.network_list_queryset()
    filterset_class = NetworkFilterSet
    table_class = NetworkTable
    page_title = "Networks"
    template_name = "networks/network_list.html"


class NetworkDetailView(ViewerRequiredMixin, View):
    def get(self, request, sid):
        try:
            network = selectors.network_get(sid=sid)
        except Network.DoesNotExist:
            raise Http404("No such network")
        context = {
            "network": network,
            "page_title": f"Network {network}",
            "country": selectors.country_name(network.iso_country),
            "mcc_mnc": identifiers_text(network.identifiers),
        }
        return render(request, "networks/network_detail.html", context)


# --- Network Access Profiles ------------------------------------------------------------------------------
class NapListView(ObjectListView):
    queryset = selectors.nap_list_queryset()
    filterset_class = NapFilterSet
    table_class = NapTable
    page_title = "Network Access Profiles"
    template_name = "networks/nap_list.html"


MEMBERS_PER_PAGE = 50


def _memberships_context(nap: NetworkAccessProfile, page=1, **extra) -> dict:
    """One page of the NAP's networks (a COUNT over this NAP's rows only: the total is worth showing)."""
    page_obj = Paginator(selectors.nap_memberships(nap=nap), MEMBERS_PER_PAGE).get_page(page)
    return {"nap": nap, "memberships": page_obj.object_list, "page_obj": page_obj, **extra}


class NapDetailView(ViewerRequiredMixin, View):
    """The NAP page; ``?q=`` with ``HX-Target: network-search-results`` answers the catalogue search."""

    def get(self, request, sid):
        nap = _get_nap(sid)
        htmx = getattr(request, "htmx", None)
        if htmx and htmx.target == "network-search-results":
            q = request.GET.get("q", "")
            context = {"nap": nap, "q": q, "results": selectors.nap_network_candidates(nap=nap, text=q)}
        elif htmx and htmx.target == "nap-networks":
            context = _memberships_context(nap, request.GET.get("page"))
        else:
            context = _memberships_context(
                nap,
                request.GET.get("page"),
                page_title=f"Network Access Profile {nap}",
                fleets=list(fleets_for_nap_queryset(nap_sid=nap.sid)),
                rename_form=NapRenameForm(initial={"unique_name": nap.unique_name}),
            )
        return render_page_or_partial(
            request, page="networks/nap_detail.html", partial=NAP_PARTS, context=context
        )


class NapCreateView(AdminRequiredMixin, View):
    template_name = "networks/nap_create.html"

    def render_form(self, request, form, status=200):
        return render(
            request,
            self.template_name,
            {"form": form, "page_title": "New Network Access Profile"},
            status=status,
        )

    def get(self, request):
        return self.render_form(request, NapCreateForm())

    def post(self, request):
        form = NapCreateForm(request.POST)
        if not form.is_valid():
            return self.render_form(request, form, status=422)
        try:
            nap = services.nap_create(
                user=request.user,
                unique_name=form.cleaned_data["unique_name"],
                networks=list(form.cleaned_data["networks"]),
                request=request,
            )
        except SuperSimError as exc:
            _add_api_error(form, exc)
            return self.render_form(request, form, status=422)
        messages.success(request, f"Network Access Profile {nap} created.")
        return trigger(htmx_redirect(request, nap.get_absolute_url()), "napCreated", {"sid": nap.sid})


class NapRenameView(AdminRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, sid):
        nap = _get_nap(sid)
        form = NapRenameForm(request.POST)
        if form.is_valid():
            try:
                nap = services.nap_rename(
                    nap=nap, unique_name=form.cleaned_data["unique_name"], user=request.user, request=request
                )
            except SuperSimError as exc:
                _add_api_error(form, exc)
        if form.errors:
            if is_htmx(request):
                return render(
                    request, "networks/_nap_rename_form.html", {"nap": nap, "rename_form": form}, status=422
                )
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return HttpResponseRedirect(nap.get_absolute_url())
        messages.success(request, f"Renamed to {nap}.")
        return trigger(htmx_redirect(request, nap.get_absolute_url()), "napUpdated", {"sid": nap.sid})


class NapNetworkAddView(AdminRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, sid):
        nap = _get_nap(sid)
        form = NapNetworkAddForm(request.POST)
        error = ""
        if not form.is_valid():
            error = "Pick a network from the catalogue."
        else:
            network = form.cleaned_data["network"]
            try:
                services.nap_network_add(nap=nap, network=network, user=request.user, request=request)
            except SuperSimError as exc:
                error = api_error_text(exc)
        if not is_htmx(request):
            if error:
                messages.error(request, error)
            else:
                messages.success(request, f"{network} added.")
            return HttpResponseRedirect(nap.get_absolute_url())
        response = render(
            request,
            "networks/_nap_networks.html",
            _memberships_context(nap, error=error),
            status=422 if error else 200,
        )
        if not error:
            messages.success(request, f"{network} added to {nap}.")
            trigger(response, "napNetworkAdded", {"nap": nap.sid, "network": network.sid})
        return response


class NapNetworkRemoveView(AdminRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, sid, membership_sid):
        nap = _get_nap(sid)
        try:
            membership = NetworkAccessProfileNetwork.objects.get(
                nap_id=nap.sid, sid=membership_sid, removed_at__isnull=True
            )
        except NetworkAccessProfileNetwork.DoesNotExist:
            raise Http404("This network is not in the profile")
        error = ""
        try:
            services.nap_network_remove(nap=nap, membership=membership, user=request.user, request=request)
        except SuperSimError as exc:
            error = api_error_text(exc)
        label = membership.friendly_name or membership.sid
        if not is_htmx(request):
            if error:
                messages.error(request, error)
            else:
                messages.success(request, f"{label} removed.")
            return HttpResponseRedirect(nap.get_absolute_url())
        response = render(
            request,
            "networks/_nap_networks.html",
            _memberships_context(nap, request.POST.get("page"), error=error),
            status=422 if error else 200,
        )
        if not error:
            messages.success(request, f"{label} removed from {nap}.")
            trigger(response, "napNetworkRemoved", {"nap": nap.sid, "network": membership.sid})
        return response
