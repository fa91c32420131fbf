from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path

from portal import views

# The admin signs in through allauth like everyone else (one login, one
# lockout, one second factor), not through its own form.
admin.site.login = login_required(admin.site.login)

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("organisatie/", views.choose_organisation, name="choose_organisation"),
    path("triage/", include("portal.triage.urls")),
    path("accounts/uzi/", views.uzi_login, name="uzi_login"),
    path("accounts/", include("allauth.urls")),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("admin/", admin.site.urls),
]

handler403 = views.permission_denied
