from django.contrib import admin
from django.urls import include, path, re_path

from portal import views
from portal.admin_site import route_admin_through_allauth

# The admin signs in through allauth like everyone else (one login, one
# lockout, one second factor, one LOGIN event), never through its own form.
route_admin_through_allauth(admin.site)

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("organisatie/", views.choose_organisation, name="choose_organisation"),
    path("triage/", include("triage.urls")),
    path("registratie/", include("registry.urls")),
    # The API for GP information systems, its schema and documentation (docs/api.md).
    path("api/", include("registry.api.urls")),
    # HAPs' and SEHs' systems send their contact registrations (docs/reconciliation.md).
    path("api/", include("oversight.reconciliation.api.urls")),
    path("api/", include("oversight.export.urls")),
    path("beleid/", include("consent.urls")),
    # Patients' own pages: their account, who looked, their choice (docs/identity.md).
    path("mijn/", include("patients.urls")),
    path("toezicht/patientoverzicht/", include("patients.officer_urls")),
    path("toezicht/", include("oversight.urls")),
    path("accounts/uzi/", views.uzi_login, name="uzi_login"),
    # Staff accounts are issued and reset by the organisation: allauth's self-service flows
    # (sign-up, password reset by e-mail, e-mail management) do not exist here. Patients
    # open theirs at /mijn/activeren/ and confirm their address with allauth's link.
    *(
        path(f"accounts/{route}", views.not_offered)
        for route in (
            "signup/",
            "password/reset/",
            "password/set/",
            "email/",
            "login/code/confirm/",
            "reauthenticate/code/",
        )
    ),
    re_path(r"^accounts/password/reset/key/", views.not_offered),
    path("accounts/", include("allauth.urls")),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("admin/", admin.site.urls),
]

handler403 = views.permission_denied
