from django.urls import path

from registry import views

urlpatterns = [
    path("", views.search, name="registry_search"),
    path("patient/", views.patient, name="registry_patient"),
]
