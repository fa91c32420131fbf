"""Journal vocabulary: alerts for a stand-in doctor, contact kinds and SOEP lines in Dutch."""

from __future__ import annotations

# Alerts for a stand-in doctor (zib Alert): treatment limits first, for the elderly.
FLAGS: tuple[tuple[str, int, int], ...] = (  # (text, min age, weight)
    ("Niet reanimeren", 70, 8),
    ("Geen IC-opname", 75, 5),
    ("Geen beademing", 75, 3),
    ("Niet insturen naar het ziekenhuis (behandelbeperking)", 85, 2),
    ("MRSA-drager", 0, 2),
    ("Pacemaker in situ", 60, 2),
    ("Let op: agressie in het verleden, visite met twee personen", 18, 1),
)

# Journal contacts: (class code, class display, type text, weight).
CONTACT_KINDS: tuple[tuple[str, str, str, int], ...] = (
    ("AMB", "ambulatory", "consult", 6),
    ("VR", "virtual", "telefonisch consult", 4),
    ("HH", "home health", "visite", 1),
)

# SOEP lines per reason. Placeholders are filled with plausible measurements.
SOEP: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "K86": (
        (
            "Controle bloeddruk, geen klachten. Medicatie goed verdragen.",
            "RR {rr}, pols {pols} regulair.",
            "Hypertensie, {rr_eval}.",
            "Beleid ongewijzigd, controle over 3 maanden bij POH.",
        ),
        (
            "Soms wat duizelig bij opstaan.",
            "RR {rr} zittend, staand niet lager.",
            "Hypertensie, geen orthostase.",
            "Uitleg, controle 6 weken.",
        ),
    ),
    "T90": (
        (
            "DM-controle. Geen hypo's, voeten in orde.",
            "Gewicht {gewicht} kg, RR {rr}, nuchter glucose {glucose} mmol/L.",
            "DM2, {dm_eval}.",
            "Lab aangevraagd, leefstijladvies, controle 3 maanden.",
        ),
    ),
    "R96": (
        (
            "Meer benauwd bij inspanning sinds verkoudheid.",
            "Sat {sat}%, verlengd expirium, geen crepitaties.",
            "Astma exacerbatie, licht.",
            "Inhalatietechniek besproken, ICS verhogen, terug bij geen verbetering.",
        ),
    ),
    "R95": (
        (
            "Meer hoesten en opgeven van sputum.",
            "Sat {sat}%, temp {temp}, piepende ademhaling.",
            "COPD longaanval.",
            "Prednison 30 mg 5 dagen, controle over 2 dagen.",
        ),
    ),
    "K77": (
        (
            "Dikke enkels, 2 kussens 's nachts.",
            "Gewicht {gewicht} kg (+2), pitting oedeem enkels, crepitaties basaal.",
            "Decompensatio cordis, toename vocht.",
            "Furosemide verhoogd, lab, telefonisch contact over 3 dagen.",
        ),
    ),
    "K78": (
        (
            "Hartkloppingen, verder goed.",
            "Pols {pols} irregulair, RR {rr}.",
            "AF, frequentie redelijk gecontroleerd.",
            "Antistolling continueren.",
        ),
    ),
    "P76": (
        (
            "Somber, slaapt slecht, weinig energie.",
            "Vlak affect, geen suïcidale gedachten.",
            "Depressie, matig.",
            "Sertraline gecontinueerd, verwijzing POH-GGZ, controle 2 weken.",
        ),
    ),
    "P74": (
        (
            "Piekert veel, paniekaanvallen op het werk.",
            "Gespannen, geen psychotische kenmerken.",
            "Angststoornis.",
            "Psycho-educatie, POH-GGZ, terug over 4 weken.",
        ),
    ),
    "P72": (
        (
            "Begeleider belt: patiënt slaapt slecht, wantrouwig.",
            "Telefonisch, niet gezien.",
            "Schizofrenie, mogelijk beginnende decompensatie.",
            "Overleg FACT-team, visite morgen.",
        ),
    ),
    "L86": (
        (
            "Pijn onderrug met uitstraling in linkerbeen tot in de voet.",
            "Lasègue links positief bij 45 graden, geen uitval.",
            "Lumbosacraal radiculair syndroom.",
            "Pijnstilling, blijven bewegen, terug bij uitval of mictieklachten.",
        ),
    ),
    "R74": (
        (
            "Keelpijn, neusverkoudheid, sinds 3 dagen.",
            "Temp {temp}, keel rood, geen beslag.",
            "Virale bovensteluchtweginfectie.",
            "Uitleg natuurlijk beloop, paracetamol zo nodig.",
        ),
    ),
    "R78": (
        (
            "Hoesten sinds 10 dagen, niet benauwd.",
            "Temp {temp}, sat {sat}%, enkele rhonchi.",
            "Acute bronchitis.",
            "Geen antibiotica, terug bij koorts of benauwdheid.",
        ),
    ),
    "R81": (
        (
            "Koorts en hoesten, pijn bij zuchten.",
            "Temp {temp}, sat {sat}%, crepitaties rechts basaal, CRP {crp} mg/L.",
            "Pneumonie.",
            "Amoxicilline 3dd 500 mg 7 dagen, controle over 2 dagen.",
        ),
    ),
    "U71": (
        (
            "Branderig plassen en vaak aandrang.",
            "Urine: nitriet positief, leuko's positief.",
            "Cystitis.",
            "Nitrofurantoïne 2dd 100 mg 5 dagen.",
        ),
    ),
    "L77": (
        (
            "Enkel verzwikt bij sporten.",
            "Zwelling laterale malleolus, Ottawa-regels negatief.",
            "Distorsie enkel.",
            "Tape, belasten op geleide van pijn.",
        ),
    ),
    "S18": (
        (
            "Snijwond linkerwijsvinger met aardappelmesje.",
            "Wond 2 cm, geen pees- of zenuwletsel.",
            "Snijwond.",
            "Gehecht, 3 hechtingen, verwijderen na 10 dagen.",
        ),
    ),
}
GENERIC_SOEP: tuple[tuple[str, str, str, str], ...] = (
    (
        "Komt voor controle.",
        "RR {rr}, pols {pols}.",
        "{display}.",
        "Beleid ongewijzigd, controle over 3 maanden.",
    ),
    (
        "Klachten in de afgelopen week toegenomen.",
        "Algemeen niet ziek, temp {temp}.",
        "{display}.",
        "Uitleg en adviezen, terug bij verergering.",
    ),
)
