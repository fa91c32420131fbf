from django.urls import path

from oversight.reports import views

urlpatterns = [
    path("", views.reports, name="oversight_reports"),
    path("<int:report_id>/pdf/", views.download, name="oversight_report_pdf"),
    path("<int:report_id>/opnieuw/", views.retry, name="oversight_report_retry"),
]
