"""The supervisors' pages under /toezicht/ (portal/urls.py): one URL module per part."""

from django.urls import include, path

urlpatterns = [
    path("", include("oversight.review.urls")),
    path("logboek/", include("oversight.ledger.urls")),
    path("contacten/", include("oversight.reconciliation.urls")),
    path("rapporten/", include("oversight.reports.urls")),
]
