"""Labels of third-party apps that the admin shows and that ship no Dutch.

django-axes (login attempts and lockouts) has no Dutch catalogue; allauth's Dutch
leaves a few texts English, and so does Django's for three newer admin texts. They
are gettext msgids in those packages' own source, so a Dutch msgstr in our catalogue
(locale/nl) translates them. `makemessages` only keeps msgids it finds in our source, so they are
listed here: without this module `make messages` would drop them as obsolete.
Nothing imports this module; the list must follow the installed versions' texts.
"""

from django.utils.translation import gettext_noop

THIRD_PARTY_LABELS = (
    # Django's admin: the headers of each app's table of models (for screen readers).
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    # allauth.mfa: its app's name and a kind of second factor.
    gettext_noop("MFA"),
    gettext_noop("TOTP Authenticator"),
    # allauth's "IP adres" lacks the hyphen (axes' models share this msgid).
    gettext_noop("IP Address"),
    # django-axes: its models (axes.models) ...
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    # ... their fields ...
    gettext_noop("User Agent"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("Access Attempt"),
    gettext_noop("Expires At"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("Logout Time"),
    gettext_noop("Session key hash (sha256)"),
    # ... and their admin (axes.admin).
    gettext_noop("Locked Out"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Not set"),
    gettext_noop("Attempt Remaining"),
)
