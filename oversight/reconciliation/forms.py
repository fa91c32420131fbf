from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _


class ContactFileForm(forms.Form):
    """The organisation's contact registrations as a CSV file (docs/reconciliation.md)."""

    file = forms.FileField(
        label=_("File with contact registrations (CSV)"),
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv", "autofocus": True}),
        error_messages={
            "required": _("Choose a file."),
            "empty": _("The file is empty."),
        },
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.RECONCILIATION_MAX_FILE_BYTES
        if upload.size > limit:
            # Refused before it is read: the form reports the size, not the rows.
            raise forms.ValidationError(
                _("The file is larger than %(limit)s: split it into smaller files."),
                params={"limit": filesizeformat(limit)},
            )
        return upload
