from django.urls import path

from registry.api import views

urlpatterns = [
    path("v1/registrations/batch", views.RegistrationBatchView.as_view(), name="api_batch"),
    path("v1/patients/lookup", views.PatientLookupView.as_view(), name="api_lookup"),
    path("schema/", views.SchemaView.as_view(), name="api_schema"),
    path("docs/", views.DocsView.as_view(), name="api_docs"),
]
