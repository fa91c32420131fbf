from django.urls import path

from patients import views

urlpatterns = [
    path("", views.home, name="patient_home"),
    path("activeren/", views.activate, name="patient_activate"),
    path("e-mail/", views.email_pending, name="patient_email"),
]
