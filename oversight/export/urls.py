from django.urls import path

from oversight.export import api

urlpatterns = [
    path("v1/audit-events", api.AuditEventsView.as_view(), name="api_audit_events"),
]
