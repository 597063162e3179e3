from django.urls import path

from . import views

app_name = "annotations"

urlpatterns = [
    path("tags/", views.TagListView.as_view(), name="tag_list"),
    path("tags/new/", views.TagCreateView.as_view(), name="tag_create"),
    path("tags/<int:pk>/", views.TagEditView.as_view(), name="tag_edit"),
    path("tags/<int:pk>/merge/", views.TagMergeView.as_view(), name="tag_merge"),
    path("tags/<int:pk>/delete/", views.TagDeleteView.as_view(), name="tag_delete"),
    path("notes/", views.NoteListView.as_view(), name="note_list"),
    path("fields/", views.CustomFieldListView.as_view(), name="customfield_list"),
    path("fields/new/", views.CustomFieldEditView.as_view(), name="customfield_create"),
    path("fields/<int:pk>/", views.CustomFieldEditView.as_view(), name="customfield_edit"),
    path("fields/<int:pk>/delete/", views.CustomFieldDeleteView.as_view(), name="customfield_delete"),
    path("<str:object_type>/<str:sid>/tags/add/", views.ObjectTagAddView.as_view(), name="object_tag_add"),
    path(
        "<str:object_type>/<str:sid>/tags/<int:pk>/remove/",
        views.ObjectTagRemoveView.as_view(),
        name="object_tag_remove",
    ),
    path("<str:object_type>/<str:sid>/notes/", views.ObjectNotesView.as_view(), name="object_notes"),
    path("<str:object_type>/<str:sid>/notes/add/", views.ObjectNoteAddView.as_view(), name="object_note_add"),
    path("<str:object_type>/<str:sid>/fields/", views.ObjectFieldsView.as_view(), name="object_fields"),
]
