"""The supervisors' alert pages, under /toezicht/ (oversight/urls.py)."""

from django.urls import path

from oversight.review import views

urlpatterns = [
    path("", views.alert_list, name="oversight_alerts"),
    path("meldingen/<int:pk>/", views.alert_detail, name="oversight_alert"),
]
