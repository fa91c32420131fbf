"""The ledger in the patient's words: what was done with their data, and on what basis.

Staff pages show the ledger's own labels (audit.models); a patient reads plain sentences
about themselves. One dictionary per column, so a new kind of event is worded here once.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from audit.models import ConsentBasis, EventType

WHAT_WAS_DONE = {
    EventType.PATIENT_SEARCH: _("Looked you up by your BSN and birth date"),
    EventType.SUMMARY_VIEW: _("Read the summary of your GP record"),
    EventType.CONSENT_RECORDED: _("Recorded that you gave consent on the spot"),
    EventType.CONSENT_REFUSED: _("Recorded that you refused on the spot"),
    EventType.EMERGENCY_ACCESS: _("Asked for emergency access, as you could not answer"),
    EventType.CONSENT_REGISTRATION: _("Registered or changed your choice"),
    EventType.REGISTRY_VIEW: _("Read your registered choice and who looked at your data"),
    EventType.SUMMARY_PURGED: _("Removed your summary from the portal"),
    EventType.ADMIN_READ: _("Read the access log, in which you appear (supervision)"),
    EventType.ACCESS_DENIED: _("Was refused access"),
    EventType.ACTIVATION_CODE_ISSUED: _("Made an activation code for your account"),
    EventType.PATIENT_ACCOUNT_OPENED: _("Your account was opened"),
    EventType.ALERT_REVIEWED: _("Reviewed an access to your data (supervision)"),
    # On the page only a privacy officer's reading is listed (patients.selectors.access_log).
    EventType.PATIENT_LOG_READ: _("Made this overview as a PDF, because you asked by letter"),
}

# The consent basis of a view of the summary, in the issue's four plain phrases (and the
# two refusals). A basis under a policy names the policy where the ledger has it.
BASIS = {
    ConsentBasis.REGISTERED_CONSENT: _("You had registered consent, and confirmed it"),
    ConsentBasis.REGISTERED_CONSENT_UNCONFIRMED: _(
        "You had registered consent; you could not confirm it then"
    ),
    ConsentBasis.ON_THE_SPOT_CONSENT: _("You gave consent on the spot"),
    ConsentBasis.EMERGENCY_ACCESS: _("Emergency access, because you could not answer"),
    ConsentBasis.REGISTERED_REFUSAL: _("You had registered a refusal: nothing was shown"),
    ConsentBasis.REFUSAL_ON_THE_SPOT: _("You refused on the spot: nothing was shown"),
}
BASIS_UNDER_POLICY = {
    ConsentBasis.ON_THE_SPOT_CONSENT: _(
        "No choice registered, but the {policy} applied: you gave consent on the spot"
    ),
    ConsentBasis.EMERGENCY_ACCESS: _(
        "No choice registered, but the {policy} applied: emergency access, because you"
        " could not answer"
    ),
}


def basis_in_words(basis: str, policy: str) -> str:
    """The consent basis of one event as the patient reads it; "" where none applies."""
    if policy and basis in BASIS_UNDER_POLICY:
        return str(BASIS_UNDER_POLICY[basis]).format(policy=policy)
    return str(BASIS.get(basis, ""))
