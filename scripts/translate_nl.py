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
    "Account locked": "Account geblokkeerd",
    "Account temporarily locked": "Account tijdelijk geblokkeerd",
    "Too many failed login attempts for this account from this workstation. Try again in "
    "%(minutes)s minutes, or ask your administrator.": (
        "Te veel mislukte aanmeldpogingen voor dit account vanaf deze werkplek. Probeer het "
        "over %(minutes)s minuten opnieuw, of vraag het uw beheerder."
    ),
    "Set up a second factor first: an authenticator app (TOTP) or a security key.": (
        "Stel eerst een tweede factor in: een authenticator-app (TOTP) of een beveiligingssleutel."
    ),
    "healthy": "gezond",
    "quarantined (open)": "in quarantaine (open)",
    "Pull now": "Nu ophalen",
    "%d pull(s) queued.": "%d ophaalopdracht(en) in de wachtrij.",
    "Reprocess": "Opnieuw verwerken",
    "%(n)d of %(total)d imported.": "%(n)d van %(total)d geïmporteerd.",
    "FHIR base URL": "FHIR-basis-URL",
    "pull every (minutes)": "ophalen elke (minuten)",
    "changes fetched up to": "wijzigingen opgehaald tot",
    "The practice's own clock: the next pull asks for what changed after it.": (
        "De klok van de praktijk zelf: de volgende ophaalronde vraagt wat daarna veranderde."
    ),
    "next pull": "volgende ophaalronde",
    "last pull started": "laatste ophaalronde gestart",
    "last error at": "laatste fout om",
    "last error": "laatste fout",
    "failures in a row": "fouten op rij",
    "last pull counts": "aantallen laatste ophaalronde",
    "BSN": "BSN",
    "birth date": "geboortedatum",
    "source version": "bronversie",
    "changed at the practice": "gewijzigd bij de praktijk",
    "fetched at": "opgehaald op",
    "FHIR version": "FHIR-versie",
    "source resources": "bronresources",
    "size (bytes)": "grootte (bytes)",
    "summary": "samenvatting",
    "Open": "Open",
    "Resolved by reprocessing": "Opgelost door opnieuw verwerken",
    "Dismissed": "Terzijde gelegd",
    "quarantined at": "in quarantaine sinds",
    "reason": "reden",
    "resource id": "resource-id",
    "payload": "inhoud",
    "status": "status",
    "reprocessing attempts": "verwerkingspogingen",
    "resolved at": "opgelost op",
    "quarantined item": "item in quarantaine",
    "quarantined items": "items in quarantaine",
    "sections": "secties",
    "summaries": "samenvattingen",
    "resource type": "resourcetype",
    "Search patients and read their summaries": "Patiënten zoeken en hun samenvatting inzien",
    "Register patients' consent or refusal": "Toestemming of weigering van patiënten registreren",
    "Read the organisation's access logs, alerts and reports": "De toegangslogboeken, signaleringen en rapporten van de organisatie inzien",
    "Manage organisations and accounts": "Organisaties en accounts beheren",
    "You were idle too long: log in again.": "U was te lang inactief: meld u opnieuw aan.",
    "Your session lasted a whole shift: log in again.": "Uw sessie duurde een hele dienst: meld u opnieuw aan.",
    "You work for %(organisation)s as %(role)s.": "U werkt voor %(organisation)s als %(role)s.",
    "Switch organisation": "Andere organisatie",
    "You may:": "U mag:",
    "Choose organisation": "Organisatie kiezen",
    "For which organisation do you work now?": "Voor welke organisatie werkt u nu?",
    "current": "huidige",
    "A server card cannot log a person in.": "Met een servercertificaat (S-pas) kan geen persoon inloggen.",
    "An unnamed employee card (M) does not say who is logging in.": "Een medewerkerpas niet op naam (M) zegt niet wie er inlogt.",
    "UZI number %(uzi)s has no account at the organisation with URA %(ura)s.": "UZI-nummer %(uzi)s heeft geen account bij de organisatie met URA %(ura)s.",
    "The card's role (%(card)s) is not the role registered for you (%(registered)s).": "De rol op de pas (%(card)s) is niet de rol die voor u is geregistreerd (%(registered)s).",
    "The card's certificate cannot be read.": "Het certificaat van de pas is niet te lezen.",
    "The card's certificate is not valid now (valid until %(date)s).": "Het certificaat van de pas is nu niet geldig (geldig tot %(date)s).",
    "The card's UZI details cannot be read.": "De UZI-gegevens van de pas zijn niet te lezen.",
    "The card type does not match its CA.": "Het soort pas past niet bij de uitgevende CA; de UZI-gegevens kloppen niet.",
    "The card was not issued by a trusted UZI CA.": "De pas is niet uitgegeven door een vertrouwde UZI-CA.",
    "UZI-pas login goes through the portal's card reader proxy, which this request did not.": "Inloggen met de UZI-pas gaat via de kaartlezer-proxy van het portaal; dit verzoek niet.",
    "No verified UZI-pas was presented.": "Er is geen geverifieerde UZI-pas aangeboden.",
    "UZI-pas refused": "UZI-pas geweigerd",
    "You cannot log in with this UZI-pas": "U kunt niet inloggen met deze UZI-pas",
    "Log in with username, password and a second factor": "Inloggen met gebruikersnaam, wachtwoord en tweede factor",
    "Log in with your UZI-pas": "Inloggen met uw UZI-pas",
    "(card reader and PIN)": "(kaartlezer en pincode)",
    "No access": "Geen toegang",
    "You may not do this, or not for this organisation. The attempt has been noted.": "Dit mag u niet, of niet voor deze organisatie. De poging is vastgelegd.",
    "Back to the start page": "Terug naar de startpagina",
    "%d policy/policies switched.": "%d regeling(en) omgezet.",
    "Switch on": "Aanzetten",
    "Switch off (the stop button)": "Uitzetten (de stopknop)",
    "GP out-of-hours posts (HAP)": "Huisartsenposten (HAP)",
    "Emergency departments (SEH)": "Spoedeisende hulp (SEH)",
    "HAP and SEH": "HAP en SEH",
    "Refusal": "Weigering",
    "No choice (withdrawn)": "Geen keuze (ingetrokken)",
    "Registered by the GP practice": "Geregistreerd door de huisartsenpraktijk",
    "Registered at the point of care": "Geregistreerd aan het bed / de balie",
    "Registered by the patient": "Geregistreerd door de patiënt",
    "scope": "reikwijdte",
    "decision": "keuze",
    "source": "bron",
    "registered at": "geregistreerd op",
    "consent registration": "toestemmingsregistratie",
    "consent registrations": "toestemmingsregistraties",
    "No condition": "Geen voorwaarde",
    "(Suspected) COVID-19 recorded at the point of care": "(Vermoeden van) COVID-19 vastgelegd bij de triage",
    "switched on": "aan",
    "in force from": "geldig vanaf",
    "in force until": "geldig tot",
    "condition": "voorwaarde",
    "reason / legal basis": "reden / grondslag",
    "policies": "regelingen",
    "Another patient was opened": "Een andere patiënt werd geopend",
    "Logged out": "Afgemeld",
    "Time limit reached": "Tijdslimiet bereikt",
    "Unconscious or not responsive": "Bewusteloos of niet aanspreekbaar",
    "Confused, not able to decide": "Verward, niet in staat te beslissen",
    "Life-threatening situation, no time to ask": "Levensbedreigende situatie, geen tijd om te vragen",
    "Other (explain)": "Anders (licht toe)",
    "The patient agrees": "De patiënt geeft toestemming",
    "The patient refuses": "De patiënt weigert",
    "The patient cannot consent (emergency access)": "De patiënt kan geen toestemming geven (noodtoegang)",
    "Many patients searched in an hour": "Veel patiënten gezocht binnen een uur",
    "Birth date": "Geboortedatum",
    "What did the patient say?": "Wat zei de patiënt?",
    "Answered by a representative (parent, guardian, legal representative)": "Beantwoord door een vertegenwoordiger (ouder, voogd, wettelijk vertegenwoordiger)",
    "(Suspected) COVID-19": "(Vermoeden van) COVID-19",
    "The patient wants this choice registered, so they need not be asked again": "De patiënt wil deze keuze laten registreren, zodat het niet opnieuw gevraagd hoeft te worden",
    "Why can the patient not consent?": "Waarom kan de patiënt geen toestemming geven?",
    "Explanation": "Toelichting",
    "Emergency access needs a reason.": "Noodtoegang vraagt om een reden.",
    "Explain the reason.": "Licht de reden toe.",
    "Ask for consent": "Toestemming vragen",
    "Ask the patient for consent": "Vraag de patiënt om toestemming",
    "Patient with BSN %(bsn)s. Ask whether you may look at the summary of their GP record, as far as the patient can answer.": "Patiënt met BSN %(bsn)s. Vraag of u de samenvatting van het huisartsdossier mag inzien, voor zover de patiënt kan antwoorden.",
    "Only for emergency access": "Alleen bij noodtoegang",
    "Record and continue": "Vastleggen en verder",
    "Find a patient": "Patiënt zoeken",
    "One patient at a time: BSN and birth date, both exactly.": "Eén patiënt tegelijk: BSN en geboortedatum, allebei precies.",
    "Search": "Zoeken",
    "No patient found with this BSN and birth date.": "Geen patiënt gevonden met dit BSN en deze geboortedatum.",
    "This patient has registered a refusal: their summary is not available.": "Deze patiënt heeft een weigering geregistreerd: de samenvatting is niet beschikbaar.",
    "Alerts and treatment limits": "Waarschuwingen en behandelgrenzen",
    "None recorded.": "Niets vastgelegd.",
    "Allergies and intolerances": "Allergieën en intoleranties",
    "high risk": "hoog risico",
    "Medication": "Medicatie",
    "Open episodes": "Open episodes",
    "psychological": "psychisch",
    "Recent lab results": "Recente labuitslagen",
    "Test": "Bepaling",
    "Value": "Uitslag",
    "Reference": "Referentie",
    "Date": "Datum",
    "(out of range)": "(afwijkend)",
    "None in the last 4 months.": "Geen in de laatste 4 maanden.",
    "Journal, last 4 months": "Journaal, laatste 4 maanden",
    "No contacts in the last 4 months.": "Geen contacten in de laatste 4 maanden.",
    "Professional summary": "Professionele samenvatting",
    "The summary cannot be shown": "De samenvatting kan niet worden getoond",
    "The patient has registered a refusal.": "De patiënt heeft een weigering geregistreerd.",
    "The patient refused; this has been recorded.": "De patiënt weigerde; dit is vastgelegd.",
    "Ask the patient for consent first.": "Vraag de patiënt eerst om toestemming.",
    "This patient made no choice, and the policy in force does not cover them.": "Deze patiënt heeft geen keuze gemaakt, en de geldende regeling geldt niet voor deze patiënt.",
    "This patient made no choice, and no policy makes their summary available.": "Deze patiënt heeft geen keuze gemaakt, en geen regeling stelt de samenvatting beschikbaar.",
    "No summary available": "Geen samenvatting beschikbaar",
    "The portal holds no summary for this patient (never received, removed, or the practice cannot be reached).": "Het portaal heeft geen samenvatting van deze patiënt (nooit ontvangen, verwijderd, of de praktijk is niet bereikbaar).",
    "born": "geboren",
    "GP": "Huisarts",
    "From %(practice)s, fetched %(fetched)s. Journal and lab results since %(since)s. Items may have been hidden by the patient.": "Van %(practice)s, opgehaald %(fetched)s. Journaal en labuitslagen sinds %(since)s. De patiënt kan gegevens hebben afgeschermd.",
    "Emergency access: this view will be reviewed.": "Noodtoegang: deze inzage wordt beoordeeld.",
    "Next patient": "Volgende patiënt",
    "Too many patients": "Te veel patiënten",
    "Too many patients searched": "Te veel patiënten gezocht",
    "You have looked up many different patients in the last hour. To protect patients' data, further searches are paused for now; your supervisor has been notified. If this is a busy shift, ask your supervisor.": "U heeft het afgelopen uur veel verschillende patiënten opgezocht. Om de gegevens van patiënten te beschermen is zoeken nu even gepauzeerd; uw leidinggevende is op de hoogte gebracht. Is het een drukke dienst, overleg dan met uw leidinggevende.",
    "male": "man",
    "female": "vrouw",
    "other": "anders",
    "unknown": "onbekend",
    "Who answered for the patient (relation, name)": "Wie antwoordde voor de patiënt (relatie, naam)",
    "Say who answered for the patient.": "Geef aan wie voor de patiënt antwoordde.",
    "This patient is not open for you. Search for the patient to open them.": "Deze patiënt is niet voor u geopend. Zoek de patiënt op om die te openen.",
    "You closed this patient (by opening another patient or by logging out). Search again to open them.": "U hebt deze patiënt gesloten (door een andere patiënt te openen of door uit te loggen). Zoek opnieuw om de patiënt te openen.",
    "The time for this patient is up. Search again to open them.": "De tijd voor deze patiënt is om. Zoek opnieuw om de patiënt te openen.",
    "The attempt has been noted.": "De poging is vastgelegd.",
    "Search for a patient": "Patiënt zoeken",
    # Hardening (issue 11)
    "Logs or security settings read": "Logboek of beveiligingsinstellingen ingezien",
    "Clinical role granted": "Klinische rol toegekend",
    "An administrator's account cannot hold a clinical role: "
    "give the person a separate account without admin rights.": (
        "Een beheerdersaccount kan geen klinische rol hebben: "
        "geef de persoon een apart account zonder beheerrechten."
    ),
    "This account holds a clinical role: it cannot get admin rights. "
    "Give the person a separate account for administration.": (
        "Dit account heeft een klinische rol en kan daarom geen beheerrechten krijgen. "
        "Geef de persoon een apart account voor beheer."
    ),
    "You cannot give yourself a role.": "U kunt uzelf geen rol geven.",
    "Too many failed attempts: this account is locked for now.": (
        "Te veel mislukte pogingen: dit account is voorlopig geblokkeerd."
    ),
    "Personal info": "Persoonlijke gegevens",
    "Permissions": "Rechten",
    "Important dates": "Belangrijke datums",
    "bearer token": "toegangstoken",
    "bearer token set": "toegangstoken ingesteld",
    "The token the practice's FHIR server issued to us. It is stored encrypted and never "
    "shown again; leave this empty to keep the current one.": (
        "Het token dat de FHIR-server van de praktijk aan ons heeft uitgegeven. Het wordt "
        "versleuteld opgeslagen en nooit meer getoond; laat dit veld leeg om het huidige "
        "te behouden."
    ),
    "patient birth date": "geboortedatum patiënt",
    "Many searches that found nobody": "Veel zoekopdrachten die niemand vonden",
    "A clinical role was granted": "Er is een klinische rol toegekend",
    "rule": "regel",
    "first seen": "eerst gezien",
    "last seen": "laatst gezien",
    "hits": "aantal keer",
    "latest detail": "laatste details",
    "reviewed": "beoordeeld",
    "misuse alert": "signalering van misbruik",
    "misuse alerts": "signaleringen van misbruik",
    "Too many searches that found nobody": "Te veel zoekopdrachten die niemand vonden",
    "Many of your searches in the last hour found no patient. To protect patients' data, "
    "further searches are paused for now; your supervisor has been notified. Check the BSN "
    "and birth date with the patient, or ask your supervisor.": (
        "Veel van uw zoekopdrachten in het afgelopen uur vonden geen patiënt. Om de gegevens "
        "van patiënten te beschermen is zoeken nu even gepauzeerd; uw leidinggevende is op de "
        "hoogte gebracht. Controleer het BSN en de geboortedatum met de patiënt, of overleg "
        "met uw leidinggevende."
    ),
}

STRING = r'"(?:[^"\\]|\\.)*"\s*'
FUZZY = re.compile(
    rf"#, fuzzy(, [^\n]*)?\n((?:#\|[^\n]*\n)*)(msgid (?:{STRING})+)msgstr (?:{STRING})+"
)


def _unguess(match: re.Match) -> str:
    flags = f"#{match.group(1)[1:]}\n" if match.group(1) else ""
    return flags + match.group(2) + match.group(3) + 'msgstr ""\n'


BLOCK = re.compile(r'(msgid ((?:"(?:[^"\\]|\\.)*"\s*)+))msgstr ((?:"(?:[^"\\]|\\.)*"\s*)+)')


def unquote(chunk: str) -> str:
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', chunk)).replace('\\"', '"')


def main(path: str = "locale/nl/LC_MESSAGES/django.po") -> int:
    po = Path(path)
    text = po.read_text()
    # msgmerge guesses translations for new messages from similar old ones and marks
    # them fuzzy; a guess is not a translation: clear it, so it is filled below.
    text = FUZZY.sub(_unguess, text)
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
    text = re.sub(r"#\| [^\n]*\n", "", text)  # the guesses' old msgids
    text = re.sub(r'("\n)(#[:,.])', r"\1\n\2", text)  # one blank line between entries
    text = text.replace("#, fuzzy\n", "", 1)  # the header: translations are reviewed
    po.write_text(text)
    for msgid in missing:
        print(f"untranslated: {msgid!r}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
