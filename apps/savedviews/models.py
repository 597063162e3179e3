"""Saved views of the list pages, and each person's preferences per list (local data, never synced).

A saved view is a name over a list's query string (filter + sort + page size) and its chosen columns: opening
it opens ``<list URL>?<query>&cols=<columns>&view=<id>``, a URL that works for anyone (``view=`` only names
the view). A list is keyed by its URL name (``sims:sim_list``)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.db import models
from django.urls import reverse


class SavedView(models.Model):
    list_key = models.CharField(max_length=100)
    name = models.CharField(max_length=100)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    shared = models.BooleanField(default=False, help_text="Everyone can open it")
    query = models.TextField(blank=True)  # urlencoded, without page / cursor / cols / view
    columns = models.JSONField(default=list, blank=True)  # column names; [] = the table's own
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "list_key", "name"], name="savedviews_unique_name")
        ]
        indexes = [models.Index(fields=["list_key", "shared"], name="savedviews_list_shared")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("savedviews:open", kwargs={"pk": self.pk})

    def list_url(self) -> str:
        """The list page showing this view (shareable: it holds the whole query)."""
        query = self.query
        extra = {"cols": ",".join(self.columns)} if self.columns else {}
        extra["view"] = str(self.pk)
        return f"{reverse(self.list_key)}?{'&'.join(x for x in (query, urlencode(extra)) if x)}"


class ListPreference(models.Model):
    """One person's columns and default view of one list."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="list_preferences"
    )
    list_key = models.CharField(max_length=100)
    columns = models.JSONField(default=list, blank=True)
    default_view = models.ForeignKey(
        SavedView, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "list_key"], name="savedviews_pref_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.list_key}"
