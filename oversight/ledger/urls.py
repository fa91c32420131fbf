from django.urls import path

from oversight.ledger import views

urlpatterns = [
    path("", views.ledger, name="oversight_ledger"),
    path("grafieken/", views.charts, name="oversight_charts"),
]
