"""Local data on synced objects: tags, notes, custom fields and their values.

Everything is keyed by the object's SID (``HS...`` / ``HF...``), never by a local primary key and never by a
foreign key to the synced table: a sync only upserts and marks rows removed, so these rows are never touched
by it, and they stay attached to the SID across a removal upstream, a re-add, a rename, or a rebuild of the
local copy from the API (then ``import_local_data``).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F
from django.db.models.functions import Upper
from django.urls import reverse


class ObjectType(models.TextChoices):
    SIM = "sim", "SIM"
    FLEET = "fleet", "Fleet"


#: the colours a tag may have (a palette: each has a class in static/css/app.css, readable text on it)
TAG_COLOURS = {
    "#6c757d": "Grey",
    "#0d6efd": "Blue",
    "#6610f2": "Indigo",
    "#6f42c1": "Purple",
    "#d63384": "Pink",
    "#dc3545": "Red",
    "#fd7e14": "Orange",
    "#ffc107": "Yellow",
    "#198754": "Green",
    "#20c997": "Teal",
    "#0dcaf0": "Cyan",
    "#212529": "Black",
}


class Tag(models.Model):
    """A label (name, colour, description) put on SIMs and fleets."""

    name = models.CharField(max_length=64, unique=True)
    colour = models.CharField(max_length=7, default="#6c757d", choices=list(TAG_COLOURS.items()))
    description = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("annotations:tag_edit", kwargs={"pk": self.pk})

    @property
    def css_class(self) -> str:
        """The badge's colour class (static/css/app.css; the CSP allows no inline style)."""
        return f"tag-c-{self.colour.lstrip('#').lower()}" if self.colour in TAG_COLOURS else "tag-c-6c757d"


class TagAssignment(models.Model):
    """One tag on one object (by SID). The unique (tag, sid) index serves the tag filters (a semi-join on
    ``tag_id IN (...)``), the (sid) index the tag column of a page of rows."""

    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="assignments")
    object_type = models.CharField(max_length=8, choices=ObjectType.choices)
    sid = models.CharField(max_length=34)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tag", "sid"], name="annotations_tag_sid_unique")]
        indexes = [models.Index(fields=["sid"], name="annotations_tagassign_sid")]

    def __str__(self) -> str:
        return f"{self.tag_id}:{self.sid}"


class NoteKind(models.TextChoices):
    INFO = "info", "Info"
    WARNING = "warning", "Warning"
    INCIDENT = "incident", "Incident"


NOTE_BADGES = {"info": "text-bg-info", "warning": "text-bg-warning", "incident": "text-bg-danger"}


class Note(models.Model):
    """A journal entry (plain text) on a SIM or a fleet."""

    #: identifies the note across databases (the backup's key)
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    object_type = models.CharField(max_length=8, choices=ObjectType.choices)
    sid = models.CharField(max_length=34)
    kind = models.CharField(max_length=10, choices=NoteKind.choices, default=NoteKind.INFO)
    text = models.TextField(max_length=10_000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: the author's username when written (kept if the user is deleted, and across a backup)
    author_name = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["sid", "-created_at"], name="annotations_note_sid_created"),
            models.Index(fields=["-created_at", "-id"], name="annotations_note_created"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.sid} at {self.created_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        name = "sims:sim_detail" if self.object_type == ObjectType.SIM else "fleets:fleet_detail"
        return reverse(name, kwargs={"sid": self.sid}) + "#annotations-notes"

    @property
    def badge_class(self) -> str:
        return NOTE_BADGES.get(self.kind, "text-bg-secondary")


class FieldType(models.TextChoices):
    TEXT = "text", "Text"
    INTEGER = "integer", "Integer"
    DECIMAL = "decimal", "Decimal"
    BOOLEAN = "boolean", "Boolean"
    DATE = "date", "Date"
    CHOICE = "choice", "Choice"
    URL = "url", "URL"


#: the value column each type is stored in (typed, so filters compare numbers and dates, with an index)
VALUE_COLUMNS = {
    "text": "value_text",
    "choice": "value_text",
    "url": "value_text",
    "integer": "value_int",
    "decimal": "value_decimal",
    "boolean": "value_bool",
    "date": "value_date",
}


class CustomField(models.Model):
    """A field an admin defines on SIMs or fleets. ``name`` is its key (CSV column ``cf_<name>``, filter
    ``cf_<name>``); ``default`` (as text) is the form's initial value and the value CSV onboarding writes
    when the column is empty."""

    object_type = models.CharField(max_length=8, choices=ObjectType.choices)
    name = models.SlugField(max_length=40, help_text="Key: lower-case letters, digits and _")
    label = models.CharField(max_length=80)
    field_type = models.CharField(max_length=10, choices=FieldType.choices, default=FieldType.TEXT)
    required = models.BooleanField(default=False)
    default = models.CharField(max_length=255, blank=True)
    choices = models.JSONField(default=list, blank=True, help_text="For a choice field: the allowed values")
    description = models.CharField(max_length=255, blank=True)
    weight = models.PositiveSmallIntegerField(default=100, help_text="Order on the page (lowest first)")

    class Meta:
        ordering = ["object_type", "weight", "name"]
        constraints = [
            models.UniqueConstraint(fields=["object_type", "name"], name="annotations_cf_type_name_unique")
        ]

    def __str__(self) -> str:
        return self.label or self.name

    def get_absolute_url(self) -> str:
        return reverse("annotations:customfield_edit", kwargs={"pk": self.pk})

    @property
    def value_column(self) -> str:
        return VALUE_COLUMNS[self.field_type]

    @property
    def param(self) -> str:
        """The query parameter of its list filter and the header of its CSV column."""
        return f"cf_{self.name}"


class CustomFieldValue(models.Model):
    """The value of one custom field on one object (by SID), in the column of the field's type."""

    field = models.ForeignKey(CustomField, on_delete=models.CASCADE, related_name="values")
    sid = models.CharField(max_length=34)
    value_text = models.CharField(max_length=500, null=True, blank=True)
    value_int = models.BigIntegerField(null=True, blank=True)
    value_decimal = models.DecimalField(max_digits=24, decimal_places=8, null=True, blank=True)
    value_bool = models.BooleanField(null=True, blank=True)
    value_date = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["field", "sid"], name="annotations_cfv_field_sid_unique")
        ]
        indexes = [
            models.Index(fields=["sid"], name="annotations_cfv_sid"),
            models.Index(fields=["field", "value_text"], name="annotations_cfv_text"),
            # the text filter compares any case (``iexact``: UPPER(value_text) = UPPER(...))
            models.Index(F("field"), Upper("value_text"), name="annotations_cfv_text_ci"),
            models.Index(fields=["field", "value_int"], name="annotations_cfv_int"),
            models.Index(fields=["field", "value_decimal"], name="annotations_cfv_decimal"),
            models.Index(fields=["field", "value_date"], name="annotations_cfv_date"),
            models.Index(fields=["field", "value_bool"], name="annotations_cfv_bool"),
        ]

    def __str__(self) -> str:
        return f"{self.field_id}:{self.sid}"

    @property
    def value(self):
        return getattr(self, self.field.value_column)
