from django.urls import path

from triage import views

urlpatterns = [
    path("", views.search, name="triage_search"),
    path("<uuid:public_id>/toestemming/", views.consent, name="triage_consent"),
    path("<uuid:public_id>/samenvatting/", views.summary, name="triage_summary"),
]
