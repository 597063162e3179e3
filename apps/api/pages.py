"""The signed-in user's own API tokens page (``/api/v1/tokens/``): list, create (the secret shown once),
revoke. A token acts with its owner's role, so any signed-in user may hold tokens of their own."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from . import tokens
from .forms import ApiTokenCreateForm


def _page(request, form, *, secret: str = "", created=None, status: int = 200):
    context = {
        "page_title": "API tokens",
        "form": form,
        "tokens": tokens.tokens_of(request.user),
        "secret": secret,
        "created": created,
    }
    return render(request, "api/token_list.html", context, status=status)


class TokenListView(View):
    """GET: your tokens and the form; POST: create one and show its secret on the answer (only then)."""

    http_method_names = ["get", "post"]

    def get(self, request):
        return _page(request, ApiTokenCreateForm())

    def post(self, request):
        form = ApiTokenCreateForm(request.POST)
        if not form.is_valid():
            return _page(request, form, status=422)
        data = form.cleaned_data
        token, secret = tokens.token_create(
            user=request.user,
            name=data["name"],
            scope=data["scope"],
            expires_at=data["expires"],
            request=request,
        )
        response = _page(request, ApiTokenCreateForm(), secret=secret, created=token, status=201)
        response["Cache-Control"] = "no-store"  # the secret must not stay in a cache
        return response


class TokenRevokeView(View):
    """POST: revoke one of your own tokens (another user's token: 404)."""

    http_method_names = ["post"]

    def post(self, request, pk):
        token = tokens.tokens_of(request.user).filter(pk=pk).first()
        if token is None:
            raise Http404("No such token of yours.")
        tokens.token_revoke(token=token, user=request.user, request=request)
        messages.success(request, f"Token {token.name} revoked.")
        return HttpResponseRedirect(reverse("api_pages:token_list"))
