"""Fill in Dutch translations in locale/nl/LC_MESSAGES/django.po.

Keeps the Dutch interface text beside the English source in one reviewable
table; run after `make messages`, then `make messages` again compiles it.
Entries already translated are left alone.
"""

import re
import sys
from pathlib import Path

NL = {
    "Access ledger": "Toegangslogboek",
    "Patient search": "Patiënt gezocht",
    "Summary viewed": "Samenvatting ingezien",
    "Consent recorded": "Toestemming vastgelegd",
    "Consent refused": "Toestemming geweigerd",
    "Consent registration changed": "Toestemmingsregistratie gewijzigd",
    "Access denied": "Toegang geweigerd",
    "Emergency access": "Noodtoegang",
    "Report generated": "Rapport gemaakt",
    "Summary purged": "Samenvatting verwijderd",
    "Policy changed": "Beleid gewijzigd",
    "Login": "Aanmelding",
    "Failed login": "Mislukte aanmelding",
    "Logout": "Afmelding",
    "Administrative change": "Beheerwijziging",
    "Ledger verified": "Logboek gecontroleerd",
    "Create": "Aanmaken",
    "Read/view/print": "Lezen/inzien",
    "Update": "Wijzigen",
    "Delete": "Verwijderen",
    "Execute (search, login, report)": "Uitvoeren (zoeken, aanmelden, rapport)",
    "Success": "Gelukt",
    "Minor failure (e.g. denied)": "Kleine fout (bijv. geweigerd)",
    "Serious failure": "Ernstige fout",
    "Major failure": "Zeer ernstige fout",
    "Not applicable": "Niet van toepassing",
    "Registered consent, confirmed": "Geregistreerde toestemming, bevestigd",
    "Registered consent, patient unable to confirm": (
        "Geregistreerde toestemming, patiënt kon niet bevestigen"
    ),
    "On-the-spot consent under a policy": "Toestemming ter plekke onder een regeling",
    "Emergency access under a policy": "Noodtoegang onder een regeling",
    "Registered refusal": "Geregistreerde weigering",
    "Refusal on the spot": "Weigering ter plekke",
    "Treatment": "Behandeling",
    "Emergency treatment": "Spoedbehandeling",
    "Healthcare operations (oversight, audit)": "Bedrijfsvoering (toezicht, controle)",
    "System administration": "Systeembeheer",
    "Patient request": "Verzoek van de patiënt",
    "sequence": "volgnummer",
    "event id": "gebeurtenis-id",
    "time (UTC, start of the event)": "tijd (UTC, begin van de gebeurtenis)",
    "event type": "soort gebeurtenis",
    "action": "actie",
    "outcome": "uitkomst",
    "user UZI number": "UZI-nummer gebruiker",
    "username": "gebruikersnaam",
    "user name": "naam gebruiker",
    "user role code": "rolcode gebruiker",
    "portal role": "portaalrol",
    "responsible UZI number": "UZI-nummer verantwoordelijke",
    "responsible user": "verantwoordelijke gebruiker",
    "organisation URA": "URA organisatie",
    "organisation AGB": "AGB organisatie",
    "organisation": "organisatie",
    "patient BSN": "BSN patiënt",
    "consent basis": "grondslag toestemming",
    "policy": "regeling",
    "purpose of use": "doel van gebruik",
    "client address": "adres van de cliënt",
    "session reference": "sessiekenmerk",
    "request id": "verzoek-id",
    "detail": "details",
    "previous hash": "vorige hash",
    "hash": "hash",
    "access event": "toegangsgebeurtenis",
    "access events": "toegangsgebeurtenissen",
    "Consent": "Toestemming",
    "UZI": "UZI",
    "Portal: organisations and staff": "Portaal: organisaties en medewerkers",
    "%(value)s is not a valid BSN (9 digits that pass the 11-test).": (
        "%(value)s is geen geldig BSN (9 cijfers die voldoen aan de elfproef)."
    ),
    "An AGB code has 8 digits.": "Een AGB-code heeft 8 cijfers.",
    "A URA number has 8 digits.": "Een URA-nummer heeft 8 cijfers.",
    "A UZI number has 9 digits.": "Een UZI-nummer heeft 9 cijfers.",
    "A UZI role code looks like 01.015 (profession.specialism).": (
        "Een UZI-rolcode ziet eruit als 01.015 (beroep.specialisme)."
    ),
    "UZI number": "UZI-nummer",
    "GP out-of-hours post (HAP)": "Huisartsenpost (HAP)",
    "Emergency department (SEH)": "Spoedeisende hulp (SEH)",
    "GP practice": "Huisartsenpraktijk",
    "kind": "soort",
    "name": "naam",
    "URA number": "URA-nummer",
    "AGB code": "AGB-code",
    "organisations": "organisaties",
    "Triage": "Triage",
    "Doctor": "Arts",
    "General practitioner": "Huisarts",
    "Supervisor / privacy officer": "Supervisor / privacyfunctionaris",
    "Administrator": "Beheerder",
    "UZI role code": "UZI-rolcode",
    "profession.specialism, e.g. 30.000 nurse, 01.015 GP, 00.000 none": (
        "beroep.specialisme, bijv. 30.000 verpleegkundige, 01.015 huisarts, 00.000 geen"
    ),
    "active": "actief",
    "membership": "lidmaatschap",
    "memberships": "lidmaatschappen",
    "The role %(role)s does not exist at a %(kind)s.": (
        "De rol %(role)s bestaat niet bij een %(kind)s."
    ),
    "Dutch": "Nederlands",
    "English": "Engels",
    "Professional summaries": "Professionele samenvattingen",
    "Log in": "Aanmelden",
    "Username": "Gebruikersnaam",
    "Password": "Wachtwoord",
    "Spoedinzage": "Spoedinzage",
    "Emergency access to the GP's professional summary": (
        "Spoedinzage in de professionele samenvatting van de huisarts"
    ),
    "Log out": "Afmelden",
    "Start": "Start",
    "Welcome, %(name)s": "Welkom, %(name)s",
    "You work for:": "U werkt voor:",
    "UZI role": "UZI-rol",
    "For staff of GP out-of-hours posts, emergency departments and GP practices. "
    "Accounts are issued by your organisation's administrator.": (
        "Voor medewerkers van huisartsenposten, spoedeisende hulp en huisartsenpraktijken. "
        "Accounts worden uitgegeven door de beheerder van uw organisatie."
    ),
    "Your account is not linked to any organisation yet. Ask your administrator.": (
        "Uw account is nog niet aan een organisatie gekoppeld. Vraag het uw beheerder."
    ),
}

BLOCK = re.compile(r'(msgid ((?:"(?:[^"\\]|\\.)*"\s*)+))msgstr ((?:"(?:[^"\\]|\\.)*"\s*)+)')


def unquote(chunk: str) -> str:
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', chunk)).replace('\\"', '"')


def main(path: str = "locale/nl/LC_MESSAGES/django.po") -> int:
    po = Path(path)
    text = po.read_text()
    missing = []

    def fill(match: re.Match) -> str:
        msgid, msgstr = unquote(match.group(2)), unquote(match.group(3))
        if not msgid or msgstr:
            return match.group(0)
        if msgid not in NL:
            missing.append(msgid)
            return match.group(0)
        escaped = NL[msgid].replace('"', '\\"')
        return f'{match.group(1)}msgstr "{escaped}"\n'

    text = BLOCK.sub(fill, text)
    text = text.replace("#, fuzzy\n", "", 1)  # the header: translations are reviewed
    po.write_text(text)
    for msgid in missing:
        print(f"untranslated: {msgid!r}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
