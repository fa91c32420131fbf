from django.urls import path

from consent import views

urlpatterns = [
    path("", views.policy_list, name="policy_list"),
    path("nieuw/", views.policy_new, name="policy_new"),
    path("<int:policy_id>/", views.policy_detail, name="policy_detail"),
    path("<int:policy_id>/periode/", views.policy_period, name="policy_period"),
    path("<int:policy_id>/schakelen/", views.policy_switch, name="policy_switch"),
]
