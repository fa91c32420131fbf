"""The supervisors' page for their organisation's contact registrations: upload a file, see
the earlier uploads. Thin: validate, call one service, render."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from oversight.reconciliation.forms import ContactFileForm
from oversight.reconciliation.parsing import COLUMNS, InvalidContacts
from oversight.reconciliation.selectors import coverage_for, upload_for, uploads_for
from oversight.reconciliation.services import contacts_file_upload
from portal.access import Permission, requires


@requires(Permission.VIEW_AUDIT)
@require_http_methods(["GET", "POST"])
def contacts(request):
    form = ContactFileForm(request.POST or None, request.FILES or None)
    invalid: InvalidContacts | None = None
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        try:
            upload = contacts_file_upload(
                membership=request.membership, filename=file.name, data=file.read()
            )
        except InvalidContacts as refused:
            invalid = refused
        else:
            # Post/redirect/get: the result is shown on the page of the upload.
            return redirect(f"{reverse('oversight_contacts')}?upload={upload.pk}")
    membership = request.membership
    context = {
        "form": form,
        "invalid": invalid,
        "result": upload_for(membership=membership, upload_id=request.GET.get("upload"))
        if request.method == "GET"
        else None,
        "uploads": uploads_for(membership=membership),
        "coverage": coverage_for(membership=membership),
        "columns": COLUMNS,
    }
    return render(request, "oversight/reconciliation/contacts.html", context)
