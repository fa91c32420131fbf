from django.urls import path

from registry import views

urlpatterns = [
    path("", views.search, name="registry_search"),
    path("patient/", views.patient, name="registry_patient"),
    path("patient/activeringscode/", views.activation_letter, name="registry_activation_letter"),
    path("meldingen/", views.notifications, name="registry_notifications"),
    path(
        "meldingen/<int:notification_id>/gelezen/",
        views.notification_mark_read,
        name="registry_notification_read",
    ),
    path(
        "meldingen/<int:notification_id>/patient/",
        views.notification_patient,
        name="registry_notification_patient",
    ),
]
