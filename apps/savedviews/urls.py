from django.urls import path

from . import views

app_name = "savedviews"

urlpatterns = [
    path("", views.SavedViewIndexView.as_view(), name="index"),
    path("save/", views.SavedViewSaveView.as_view(), name="save"),
    path("default/", views.ListDefaultView.as_view(), name="default"),
    path("columns/", views.ListColumnsView.as_view(), name="columns"),
    path("<int:pk>/", views.SavedViewOpenView.as_view(), name="open"),
    path("<int:pk>/share/", views.SavedViewShareView.as_view(), name="share"),
    path("<int:pk>/delete/", views.SavedViewDeleteView.as_view(), name="delete"),
]
