"""The API's pages for people (session login, walked by the URL tests): tokens and the docs."""

from django.urls import path

from .docs import ApiDocsView
from .pages import TokenListView, TokenRevokeView

app_name = "api_pages"

urlpatterns = [
    path("tokens/", TokenListView.as_view(), name="token_list"),
    path("tokens/<int:pk>/revoke/", TokenRevokeView.as_view(), name="token_revoke"),
    path("docs/", ApiDocsView.as_view(), name="docs"),
]
