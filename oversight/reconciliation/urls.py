"""The organisation's contact registrations (reconciliation), under /toezicht/contacten/."""

from django.urls import path

from oversight.reconciliation import views

urlpatterns = [
    path("", views.contacts, name="oversight_contacts"),
]
