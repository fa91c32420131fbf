"""The privacy officer's page for patients who ask by letter, beside the other supervisors'
pages under /toezicht/ (portal/urls.py); its logic is the patients' (patients.services)."""

from django.urls import path

from patients import views

urlpatterns = [
    path("", views.overview_for_letter, name="oversight_patient_overview"),
]
