from django.urls import path

from oversight.reconciliation.api import views

urlpatterns = [
    path("v1/contacts", views.ContactsView.as_view(), name="api_contacts"),
]
