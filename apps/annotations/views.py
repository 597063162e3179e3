from __future__ import annotations

import django_filters
import django_tables2 as tables
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views import View

from apps.accounts.permissions import (
    PERM_ADMIN,
    PERM_OPERATE,
    AdminRequiredMixin,
    OperatorRequiredMixin,
    ViewerRequiredMixin,
)
from apps.core.filtersets import BootstrapFilterSet
from apps.core.htmx import is_htmx, trigger
from apps.core.tables import BaseTable, DateTimeColumn
from apps.core.views import ObjectListView

from . import selectors, services
from .forms import CustomFieldForm, NoteForm, ObjectCustomFieldsForm, ObjectTagForm, TagForm, TagMergeForm
from .models import CustomField, Note, NoteKind, ObjectType, Tag

PARTS = {
    "tags": "annotations/_tags.html",
    "fields": "annotations/_fields.html",
    "notes": "annotations/_notes.html",
}


def _object(object_type: str, sid: str):
    if object_type not in ObjectType.values:
        raise Http404("No such kind of object")
    try:
        return selectors.object_get(object_type=object_type, sid=sid)
    except selectors.object_model(object_type).DoesNotExist:
        raise Http404("No such object") from None


def panel_context(request, *, object_type: str, obj, **extra) -> dict:
    """The annotations panel's context (tags, custom fields, notes) for a SIM or fleet page."""
    notes_q = request.GET.get("notes_q", "")[:200] if request.method == "GET" else ""
    notes_kind = request.GET.get("notes_kind", "") if request.method == "GET" else ""
    notes_kind = notes_kind if notes_kind in NoteKind.values else ""
    can_operate = request.user.has_perm(PERM_OPERATE)
    data = selectors.object_annotations(
        object_type=object_type, sid=obj.sid, notes_q=notes_q, notes_kind=notes_kind, picker=can_operate
    )
    context = {
        "annotated": obj,
        "object_type": object_type,
        "object_label": ObjectType(object_type).label,
        "can_annotate": can_operate,
        "removed": bool(obj.removed_at),
        "note_kinds": NoteKind.choices,
        **data,
    }
    if can_operate:
        fields = [f for f, _, _ in data["field_values"]]
        values = {f.pk: v for f, v, _ in data["field_values"] if v is not None}
        context["tag_form"] = ObjectTagForm()
        context["note_form"] = NoteForm()
        context["fields_form"] = ObjectCustomFieldsForm(fields=fields, values=values)
    context.update(extra)
    return context


def _part(request, part: str, *, object_type: str, obj, status: int = 200, event: str = "", **extra):
    context = panel_context(request, object_type=object_type, obj=obj, **extra)
    response = render(request, PARTS[part], context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    if event:
        trigger(response, event, {"sid": obj.sid})
    return response


def _back(request, obj):
    return HttpResponseRedirect(obj.get_absolute_url() + "#annotations")


class ObjectNotesView(ViewerRequiredMixin, View):
    """The notes card of a SIM or fleet, filtered (``notes_q`` text, ``notes_kind``): the card's search."""

    http_method_names = ["get"]

    def get(self, request, object_type, sid):
        obj = _object(object_type, sid)
        return _part(request, "notes", object_type=object_type, obj=obj)


class ObjectTagAddView(OperatorRequiredMixin, View):
    """Put a tag (by name; created when new) on a SIM or fleet; htmx gets the tags card."""

    http_method_names = ["post"]

    def post(self, request, object_type, sid):
        obj = _object(object_type, sid)
        form = ObjectTagForm(request.POST)
        error = ""
        if form.is_valid():
            try:
                tag = services.tag_get_or_create(
                    name=form.cleaned_data["name"], user=request.user, request=request
                )
                added = services.object_tag_add(
                    object_type=object_type, sid=obj.sid, tag=tag, user=request.user, request=request
                )
            except services.AnnotationError as exc:
                error = str(exc)
            else:
                text = f"Tag {tag} added." if added else f"{obj} has the tag {tag} already."
                if not is_htmx(request):
                    messages.success(request, text)
                    return _back(request, obj)
                return _part(
                    request, "tags", object_type=object_type, obj=obj, event="tagsChanged", tag_message=text
                )
        else:
            error = " ".join(e for errs in form.errors.values() for e in errs)
        if not is_htmx(request):
            messages.error(request, f"Tag not added: {error}")
            return _back(request, obj)
        return _part(request, "tags", object_type=object_type, obj=obj, status=422, tag_error=error)


class ObjectTagRemoveView(OperatorRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, object_type, sid, pk):
        obj = _object(object_type, sid)
        tag = get_object_or_404(Tag, pk=pk)
        services.object_tag_remove(
            object_type=object_type, sid=obj.sid, tag=tag, user=request.user, request=request
        )
        text = f"Tag {tag} removed."
        if not is_htmx(request):
            messages.success(request, text)
            return _back(request, obj)
        return _part(request, "tags", object_type=object_type, obj=obj, event="tagsChanged", tag_message=text)


class ObjectNoteAddView(OperatorRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, object_type, sid):
        obj = _object(object_type, sid)
        form = NoteForm(request.POST)
        error = ""
        if form.is_valid():
            try:
                services.note_create(
                    object_type=object_type,
                    sid=obj.sid,
                    kind=form.cleaned_data["kind"],
                    text=form.cleaned_data["text"],
                    user=request.user,
                    request=request,
                )
            except services.AnnotationError as exc:
                error = str(exc)
            else:
                if not is_htmx(request):
                    messages.success(request, "Note added.")
                    return _back(request, obj)
                return _part(
                    request,
                    "notes",
                    object_type=object_type,
                    obj=obj,
                    event="noteAdded",
                    note_message="Note added.",
                )
        else:
            error = " ".join(e for errs in form.errors.values() for e in errs)
        if not is_htmx(request):
            messages.error(request, f"Note not added: {error}")
            return _back(request, obj)
        return _part(
            request, "notes", object_type=object_type, obj=obj, status=422, note_error=error, note_form=form
        )


class ObjectFieldsView(OperatorRequiredMixin, View):
    """Save the custom field values of a SIM or fleet (validated by type; nothing saved if one is bad)."""

    http_method_names = ["post"]

    def post(self, request, object_type, sid):
        obj = _object(object_type, sid)
        fields = selectors.custom_fields(object_type)
        values = selectors.custom_values_by_sid([obj.sid], fields).get(obj.sid, {})
        form = ObjectCustomFieldsForm(request.POST, fields=fields, values=values)
        if form.is_valid():
            try:
                changes = services.object_custom_values_set(
                    object_type=object_type,
                    sid=obj.sid,
                    values=form.typed_values,
                    user=request.user,
                    request=request,
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                text = f"{len(changes)} field(s) saved." if changes else "Nothing changed."
                if not is_htmx(request):
                    messages.success(request, text)
                    return _back(request, obj)
                return _part(
                    request,
                    "fields",
                    object_type=object_type,
                    obj=obj,
                    event="customFieldsChanged",
                    fields_message=text,
                )
        if not is_htmx(request):
            messages.error(
                request,
                "Custom fields not saved: "
                + "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()),
            )
            return _back(request, obj)
        return _part(
            request,
            "fields",
            object_type=object_type,
            obj=obj,
            status=422,
            fields_form=form,
            fields_open=True,
        )


# --- tag admin ---------------------------------------------------------------------------------------------
class TagTable(BaseTable):
    name = tables.TemplateColumn(
        template_name="annotations/_tag_cell.html", order_by=("name",), verbose_name="Tag"
    )
    description = tables.Column(empty_values=(), default="")
    sims_count = tables.Column(verbose_name="SIMs", attrs={"td": {"class": "text-end"}})
    fleets_count = tables.Column(verbose_name="Fleets", attrs={"td": {"class": "text-end"}})
    actions = tables.TemplateColumn(
        template_name="annotations/_tag_actions.html", orderable=False, verbose_name=""
    )

    class Meta:
        model = Tag
        fields = ()
        sequence = ("name", "description", "sims_count", "fleets_count", "actions")
        attrs = {"class": "table table-sm table-hover align-middle", "id": "tag-table", "aria-label": "Tags"}
        order_by = ("name",)
        empty_text = "No tags yet."


class TagFilterSet(BootstrapFilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Name")

    class Meta:
        model = Tag
        fields: list[str] = []


class TagListView(ObjectListView):
    """Every tag with its SIM and fleet counts; admins create, edit, merge and delete from here."""

    filterset_class = TagFilterSet
    table_class = TagTable
    template_name = "annotations/tag_list.html"
    page_title = "Tags"
    item_name, item_name_plural = "tag", "tags"

    def get_queryset(self):
        return selectors.tag_list_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.request.user.has_perm(PERM_ADMIN):
            context["tag_form"] = TagForm()
        return context


def _tag_form_data(form) -> dict:
    d = form.cleaned_data
    return {"name": d["name"], "colour": d["colour"], "description": d["description"]}


class TagCreateView(AdminRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request):
        form = TagForm(request.POST)
        if form.is_valid():
            try:
                tag = services.tag_create(user=request.user, request=request, **_tag_form_data(form))
            except services.AnnotationError as exc:
                messages.error(request, f"Tag not created: {exc}")
            else:
                messages.success(request, f"Tag {tag} created.")
        else:
            messages.error(
                request, "Tag not created: " + " ".join(e for errs in form.errors.values() for e in errs)
            )
        return HttpResponseRedirect(reverse("annotations:tag_list"))


class TagEditView(AdminRequiredMixin, View):
    """Rename / recolour a tag, merge it into another, or delete it (the page shows its counts)."""

    def _render(self, request, tag, form, merge_form, status=200):
        counts = services.tag_counts(tag)
        context = {
            "tag": tag,
            "form": form,
            "merge_form": merge_form,
            "counts": counts,
            "page_title": f"Tag {tag}",
        }
        return render(request, "annotations/tag_edit.html", context, status=status)

    def get(self, request, pk):
        tag = get_object_or_404(Tag, pk=pk)
        form = TagForm(initial={"name": tag.name, "colour": tag.colour, "description": tag.description})
        return self._render(request, tag, form, TagMergeForm(source=tag))

    def post(self, request, pk):
        tag = get_object_or_404(Tag, pk=pk)
        form = TagForm(request.POST)
        if form.is_valid():
            try:
                services.tag_update(tag=tag, user=request.user, request=request, **_tag_form_data(form))
            except services.AnnotationError as exc:
                form.add_error("name", str(exc))
            else:
                messages.success(request, f"Tag {tag} saved.")
                return HttpResponseRedirect(reverse("annotations:tag_list"))
        return self._render(request, tag, form, TagMergeForm(source=tag), status=422)


class TagMergeView(AdminRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        tag = get_object_or_404(Tag, pk=pk)
        form = TagMergeForm(request.POST, source=tag)
        if not form.is_valid():
            messages.error(request, "Choose the tag to merge into.")
            return HttpResponseRedirect(reverse("annotations:tag_edit", kwargs={"pk": pk}))
        target = form.cleaned_data["target"]
        name = tag.name
        moved = services.tag_merge(source=tag, target=target, user=request.user, request=request)
        messages.success(request, f"Tag {name} merged into {target}: {moved:,} object(s) gained {target}.")
        return HttpResponseRedirect(reverse("annotations:tag_list"))


class TagDeleteView(AdminRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        tag = get_object_or_404(Tag, pk=pk)
        name = tag.name
        counts = services.tag_delete(tag=tag, user=request.user, request=request)
        messages.success(
            request,
            f"Tag {name} deleted (it was on {counts['sim']:,} SIM(s) and {counts['fleet']:,} fleet(s)).",
        )
        return HttpResponseRedirect(reverse("annotations:tag_list"))


# --- notes list --------------------------------------------------------------------------------------------
class NoteFilterSet(BootstrapFilterSet):
    q = django_filters.CharFilter(
        field_name="text",
        lookup_expr="icontains",
        label="Text",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    kind = django_filters.ChoiceFilter(choices=NoteKind.choices, empty_label="Any kind")
    object_type = django_filters.ChoiceFilter(
        choices=ObjectType.choices, empty_label="SIMs and fleets", label="On"
    )
    sid = django_filters.CharFilter(label="SID")
    author = django_filters.CharFilter(field_name="author_name", label="Author")

    class Meta:
        model = Note
        fields: list[str] = []


class NoteTable(BaseTable):
    created_at = DateTimeColumn(format="Y-m-d H:i", verbose_name="When", order_by=("created_at", "id"))
    kind = tables.TemplateColumn(
        '<span class="badge {{ record.badge_class }}">{{ record.get_kind_display }}</span>'
    )
    sid = tables.TemplateColumn(
        '<a class="mono" href="{{ record.get_absolute_url }}">{{ record.sid }}</a>', verbose_name="On"
    )
    author_name = tables.Column(verbose_name="Author", empty_values=(), default="—")
    text = tables.Column(orderable=False, attrs={"td": {"class": "text-break annotations-note-text"}})

    class Meta:
        model = Note
        fields = ()
        sequence = ("created_at", "kind", "sid", "author_name", "text")
        attrs = {"class": "table table-sm align-middle", "id": "note-table", "aria-label": "Notes"}
        order_by = ("-created_at",)
        empty_text = "No notes match."


class NoteListView(ObjectListView):
    """Every note on SIMs and fleets, searchable by text, kind, object and author."""

    filterset_class = NoteFilterSet
    table_class = NoteTable
    page_title = "Notes"
    item_name, item_name_plural = "note", "notes"

    def get_queryset(self):
        return Note.objects.order_by("-created_at", "-id")


# --- custom field admin ------------------------------------------------------------------------------------
class CustomFieldListView(AdminRequiredMixin, View):
    http_method_names = ["get"]

    def get(self, request):
        from django.db.models import Count

        fields = CustomField.objects.annotate(values_count=Count("values")).order_by(
            "object_type", "weight", "name"
        )
        return render(
            request, "annotations/customfield_list.html", {"fields": fields, "page_title": "Custom fields"}
        )


class CustomFieldEditView(AdminRequiredMixin, View):
    def _field(self, pk):
        return get_object_or_404(CustomField, pk=pk) if pk else CustomField()

    def _render(self, request, form, field, status=200):
        title = f"Custom field {field}" if field.pk else "New custom field"
        values = field.values.count() if field.pk else 0
        return render(
            request,
            "annotations/customfield_edit.html",
            {"form": form, "field": field, "page_title": title, "values_count": values},
            status=status,
        )

    def get(self, request, pk=None):
        field = self._field(pk)
        return self._render(request, CustomFieldForm(instance=field), field)

    def post(self, request, pk=None):
        field = self._field(pk)
        form = CustomFieldForm(request.POST, instance=field)
        if form.is_valid():
            try:
                services.custom_field_save(field=form.instance, user=request.user, request=request)
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for name, errors in exc.message_dict.items():
                        form.add_error(name if name in form.fields else None, errors)
                else:
                    form.add_error(None, exc.messages)
            else:
                messages.success(request, f"Custom field {form.instance} saved.")
                return HttpResponseRedirect(reverse("annotations:customfield_list"))
        return self._render(request, form, field, status=422)


class CustomFieldDeleteView(AdminRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        field = get_object_or_404(CustomField, pk=pk)
        label = str(field)
        count = services.custom_field_delete(field=field, user=request.user, request=request)
        messages.success(request, f"Custom field {label} deleted with its {count:,} value(s).")
        return HttpResponseRedirect(reverse("annotations:customfield_list"))
