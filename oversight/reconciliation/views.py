"""The supervisors' page for their organisation's contact registrations: upload a file, see
the earlier uploads. Thin: validate, call one service (or the page's one selector), render."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from oversight.reconciliation.forms import ContactFileForm
from oversight.reconciliation.parsing import InvalidContacts
from oversight.reconciliation.selectors import contacts_page
from oversight.reconciliation.services import contacts_file_upload
from portal.access import Permission, requires


@requires(Permission.VIEW_AUDIT)
@require_http_methods(["GET", "POST"])
def contacts(request):
    form = ContactFileForm(request.POST or None, request.FILES or None)
    invalid: InvalidContacts | None = None
    loaded_before = None
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        try:
            uploaded = contacts_file_upload(
                membership=request.membership, filename=file.name, data=file.read()
            )
        except InvalidContacts as refused:
            invalid = refused
        else:
            if not uploaded.loaded_before:
                # Post/redirect/get: the result is shown on the page of the upload.
                return redirect(f"{reverse('oversight_contacts')}?upload={uploaded.upload.pk}")
            # Nothing was written: answering the POST itself is safe to repeat.
            loaded_before = uploaded.upload
    upload_id = request.GET.get("upload") if request.method == "GET" else None
    context = {
        "form": form,
        "invalid": invalid,
        "loaded_before": loaded_before,
        "page": contacts_page(membership=request.membership, upload_id=upload_id),
    }
    return render(request, "oversight/reconciliation/contacts.html", context)
