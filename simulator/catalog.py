"""Clinical vocabulary the generator draws from: ICPC-1 episodes, medication, allergies and
lab tests, in the Dutch a GP information system shows (journal lines are in `journal.py`).

ICPC-1 codes and displays follow the NHG ICPC-1 list; LOINC codes are the mole-based ones
Dutch labs report (mmol/mol, µmol/L, mmol/L). The PRK numbers are PRK-*style* (numeric,
G-Standaard OID) but invented: the G-Standaard is licensed and not available here.
"""

from __future__ import annotations

from dataclasses import dataclass

ICPC = "http://hl7.org/fhir/sid/icpc-1-nl"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
PRK = "urn:oid:2.16.840.1.113883.2.4.4.10"


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    display: str
    weight: int  # relative prevalence among patients old enough to have it
    min_age: int
    meds: tuple[str, ...] = ()
    labs: tuple[str, ...] = ()
    attention: float = 0.15  # chance the GP set the attention flag on the episode


# Open (chronic) episodes. Chapter P is what the summary calls "serious psychological".
CHRONIC: tuple[Problem, ...] = (
    Problem(
        "K86",
        "Hypertensie zonder orgaanbeschadiging",
        18,
        35,
        ("amlodipine", "hydrochloorthiazide", "lisinopril", "losartan"),
        ("creatinine", "egfr", "kalium", "natrium"),
    ),
    Problem(
        "K87",
        "Hypertensie met orgaanbeschadiging",
        3,
        45,
        ("lisinopril", "amlodipine", "metoprolol"),
        ("creatinine", "egfr", "kalium"),
    ),
    Problem(
        "T90",
        "Diabetes mellitus type 2",
        10,
        35,
        ("metformine", "gliclazide", "insuline_glargine"),
        ("hba1c", "creatinine", "egfr", "kalium", "glucose"),
        0.25,
    ),
    Problem("T93", "Vetstofwisselingsstoornis", 9, 35, ("simvastatine", "atorvastatine"), ("ldl",)),
    Problem("R96", "Astma", 7, 4, ("salbutamol", "beclometason")),
    Problem("R95", "Emfyseem/COPD", 5, 45, ("tiotropium", "salbutamol"), (), 0.3),
    Problem(
        "K77",
        "Decompensatio cordis",
        3,
        60,
        ("furosemide", "spironolacton", "metoprolol"),
        ("creatinine", "egfr", "kalium", "natrium", "hb"),
        0.6,
    ),
    Problem(
        "K78",
        "Atriumfibrilleren/-fladderen",
        4,
        55,
        ("apixaban", "metoprolol"),
        ("hb", "creatinine", "egfr"),
        0.5,
    ),
    Problem(
        "K74",
        "Angina pectoris",
        3,
        50,
        ("nitroglycerine", "acetylsalicylzuur", "metoprolol"),
        (),
        0.4,
    ),
    Problem("K90", "Cerebrovasculair accident", 2, 55, ("clopidogrel", "atorvastatine"), (), 0.4),
    Problem("T86", "Hypothyreoïdie/myxoedeem", 4, 20, ("levothyroxine",), ("tsh",)),
    Problem("P76", "Depressie", 6, 15, ("sertraline", "citalopram"), (), 0.3),
    Problem("P74", "Angststoornis/angsttoestand", 5, 15, ("oxazepam", "paroxetine")),
    Problem("P72", "Schizofrenie", 1, 18, ("olanzapine", "haloperidol"), (), 0.8),
    Problem("P73", "Affectieve psychose", 1, 18, ("lithium", "quetiapine"), ("creatinine",), 0.8),
    Problem("P15", "Chronisch alcoholmisbruik", 2, 20, ("thiamine",), ("hb",), 0.5),
    Problem("P70", "Dementie", 2, 70, ("rivastigmine",), (), 0.7),
    Problem("L86", "Rugklachten met uitstraling", 6, 25, ("paracetamol", "naproxen")),
    Problem("L90", "Artrose knie", 5, 50, ("paracetamol", "diclofenac")),
    Problem("L89", "Artrose heup", 3, 50, ("paracetamol",)),
    Problem("N88", "Epilepsie", 1, 3, ("levetiracetam", "valproinezuur"), (), 0.7),
    Problem("N89", "Migraine", 4, 15, ("sumatriptan",)),
    Problem("B80", "IJzergebreksanemie", 2, 15, ("ferrofumaraat",), ("hb",)),
    Problem("S87", "Constitutioneel eczeem", 3, 0, ("hydrocortison",)),
)

# Acute problems: closed episodes in the history and reasons for recent contacts.
ACUTE: tuple[tuple[str, str], ...] = (
    ("R74", "Acute infectie bovenste luchtwegen"),
    ("R78", "Acute bronchitis/bronchiolitis"),
    ("R81", "Pneumonie"),
    ("U71", "Cystitis/urineweginfectie"),
    ("H71", "Otitis media acuta/myringitis"),
    ("D73", "Gastro-enteritis, vermoedelijk infectieus"),
    ("L77", "Verstuiking/distorsie enkel"),
    ("S18", "Scheur-/snijwond"),
    ("S84", "Impetigo"),
    ("F70", "Conjunctivitis infectieus"),
    ("L03", "Lage rugpijn zonder uitstraling"),
    ("N01", "Hoofdpijn"),
    ("A85", "Bijwerking geneesmiddel"),
    ("S74", "Dermatomycose"),
)


@dataclass(frozen=True, slots=True)
class Medication:
    prk: str
    name: str
    dosages: tuple[str, ...]


MEDICATION: dict[str, Medication] = {
    "amlodipine": Medication(
        "67938", "Amlodipine 5 mg tablet", ("1 maal daags 1 tablet", "1 maal daags 2 tabletten")
    ),
    "hydrochloorthiazide": Medication(
        "20672", "Hydrochloorthiazide 12,5 mg tablet", ("1 maal daags 1 tablet",)
    ),
    "lisinopril": Medication(
        "27901", "Lisinopril 10 mg tablet", ("1 maal daags 1 tablet", "1 maal daags 2 tabletten")
    ),
    "losartan": Medication(
        "49182",
        "Losartan kalium 50 mg tablet",
        ("1 maal daags 1 tablet", "1 maal daags 2 tabletten"),
    ),
    "metoprolol": Medication(
        "38148",
        "Metoprololsuccinaat 50 mg tablet met gereguleerde afgifte",
        ("1 maal daags 1 tablet", "1 maal daags 2 tabletten"),
    ),
    "metformine": Medication(
        "19046",
        "Metformine 500 mg tablet",
        ("2 maal daags 1 tablet", "3 maal daags 1 tablet", "2 maal daags 2 tabletten"),
    ),
    "gliclazide": Medication(
        "28630", "Gliclazide 80 mg tablet", ("1 maal daags 1 tablet", "2 maal daags 1 tablet")
    ),
    "insuline_glargine": Medication(
        "54232",
        "Insuline glargine 100 E/ml injectievloeistof pen",
        ("1 maal daags 12 eenheden voor de nacht", "1 maal daags 16 eenheden voor de nacht"),
    ),
    "simvastatine": Medication(
        "29858", "Simvastatine 40 mg tablet", ("1 maal daags 1 tablet 's avonds",)
    ),
    "atorvastatine": Medication(
        "36935", "Atorvastatine 20 mg tablet", ("1 maal daags 1 tablet", "1 maal daags 2 tabletten")
    ),
    "salbutamol": Medication(
        "18082",
        "Salbutamol 100 microgram/dosis aerosol",
        ("zo nodig 1-2 inhalaties, maximaal 8 per dag",),
    ),
    "beclometason": Medication(
        "40320",
        "Beclometason 100 microgram/dosis aerosol",
        ("2 maal daags 1 inhalatie", "2 maal daags 2 inhalaties"),
    ),
    "tiotropium": Medication(
        "57940", "Tiotropium 2,5 microgram/dosis inhalatievloeistof", ("1 maal daags 2 inhalaties",)
    ),
    "furosemide": Medication(
        "17264",
        "Furosemide 40 mg tablet",
        ("1 maal daags 1 tablet 's ochtends", "2 maal daags 1 tablet"),
    ),
    "spironolacton": Medication("21776", "Spironolacton 25 mg tablet", ("1 maal daags 1 tablet",)),
    "apixaban": Medication("95753", "Apixaban 5 mg tablet", ("2 maal daags 1 tablet",)),
    "nitroglycerine": Medication(
        "33146",
        "Nitroglycerine 0,4 mg/dosis spray",
        ("zo nodig 1 verstuiving onder de tong, maximaal 3 per 15 minuten",),
    ),
    "acetylsalicylzuur": Medication(
        "35157", "Acetylsalicylzuur 80 mg dispergeerbare tablet", ("1 maal daags 1 tablet",)
    ),
    "clopidogrel": Medication("55522", "Clopidogrel 75 mg tablet", ("1 maal daags 1 tablet",)),
    "levothyroxine": Medication(
        "20087",
        "Levothyroxine 50 microgram tablet",
        ("1 maal daags 1 tablet voor het ontbijt", "1 maal daags 1,5 tablet voor het ontbijt"),
    ),
    "sertraline": Medication(
        "34622", "Sertraline 50 mg tablet", ("1 maal daags 1 tablet", "1 maal daags 2 tabletten")
    ),
    "citalopram": Medication("33839", "Citalopram 20 mg tablet", ("1 maal daags 1 tablet",)),
    "oxazepam": Medication(
        "2828", "Oxazepam 10 mg tablet", ("zo nodig 1 tablet, maximaal 3 per dag",)
    ),
    "paroxetine": Medication("28649", "Paroxetine 20 mg tablet", ("1 maal daags 1 tablet",)),
    "olanzapine": Medication(
        "50067", "Olanzapine 10 mg tablet", ("1 maal daags 1 tablet voor de nacht",)
    ),
    "haloperidol": Medication("6467", "Haloperidol 1 mg tablet", ("2 maal daags 1 tablet",)),
    "lithium": Medication(
        "14133",
        "Lithiumcarbonaat 400 mg tablet met gereguleerde afgifte",
        ("2 maal daags 1 tablet",),
    ),
    "quetiapine": Medication(
        "53457",
        "Quetiapine 25 mg tablet",
        ("1 maal daags 1 tablet voor de nacht", "2 maal daags 1 tablet"),
    ),
    "thiamine": Medication("10324", "Thiamine 100 mg tablet", ("1 maal daags 1 tablet",)),
    "rivastigmine": Medication(
        "83240", "Rivastigmine 4,6 mg/24 uur pleister", ("1 maal daags 1 pleister",)
    ),
    "paracetamol": Medication(
        "3891",
        "Paracetamol 500 mg tablet",
        ("zo nodig 1-2 tabletten, maximaal 6 per dag", "4 maal daags 2 tabletten"),
    ),
    "naproxen": Medication("7226", "Naproxen 250 mg tablet", ("2 maal daags 1 tablet",)),
    "diclofenac": Medication(
        "8966",
        "Diclofenac-natrium 50 mg tablet maagsapresistent",
        ("3 maal daags 1 tablet", "2 maal daags 1 tablet"),
    ),
    "omeprazol": Medication(
        "30619", "Omeprazol 20 mg capsule maagsapresistent", ("1 maal daags 1 capsule",)
    ),
    "levetiracetam": Medication(
        "55573",
        "Levetiracetam 500 mg tablet",
        ("2 maal daags 1 tablet", "2 maal daags 2 tabletten"),
    ),
    "valproinezuur": Medication(
        "25526", "Natriumvalproaat 500 mg tablet maagsapresistent", ("2 maal daags 1 tablet",)
    ),
    "sumatriptan": Medication(
        "31283", "Sumatriptan 50 mg tablet", ("zo nodig 1 tablet bij aanval, maximaal 2 per dag",)
    ),
    "ferrofumaraat": Medication(
        "1856", "Ferrofumaraat 200 mg tablet", ("1 maal daags 1 tablet", "2 maal daags 1 tablet")
    ),
    "hydrocortison": Medication(
        "11495", "Hydrocortisonacetaat 10 mg/g crème", ("2 maal daags dun aanbrengen",)
    ),
}

# Medicines that call for stomach protection when a patient uses them (NHG guideline).
NEEDS_PPI = frozenset({"naproxen", "diclofenac", "acetylsalicylzuur", "clopidogrel"})


@dataclass(frozen=True, slots=True)
class Allergen:
    code: str  # SNOMED CT substance
    display: str
    category: str  # FHIR AllergyIntoleranceCategory
    reactions: tuple[str, ...]
    weight: int


ALLERGENS: tuple[Allergen, ...] = (
    Allergen(
        "373270004",
        "Penicilline",
        "medication",
        ("huiduitslag", "urticaria", "angio-oedeem", "anafylactische reactie"),
        10,
    ),
    Allergen("372665008", "NSAID's", "medication", ("benauwdheid", "urticaria", "maagbloeding"), 5),
    Allergen("387406002", "Sulfonamiden", "medication", ("exantheem", "koorts"), 2),
    Allergen("387494007", "Codeïne", "medication", ("misselijkheid en braken", "obstipatie"), 2),
    Allergen("256349002", "Pinda", "food", ("angio-oedeem", "anafylactische reactie"), 3),
    Allergen("111088007", "Latex", "environment", ("contacteczeem", "urticaria"), 2),
    Allergen(
        "288328004", "Bijengif", "environment", ("anafylactische reactie", "lokale zwelling"), 2
    ),
)


@dataclass(frozen=True, slots=True)
class LabTest:
    loinc: str
    display: str
    unit: str  # as shown
    ucum: str
    low: float | None
    high: float | None
    mean: float  # of a patient without the related condition
    sd: float
    decimals: int


LAB: dict[str, LabTest] = {
    "hba1c": LabTest("59261-8", "HbA1c (IFCC)", "mmol/mol", "mmol/mol", 20, 42, 38, 4, 0),
    "creatinine": LabTest("14682-9", "Kreatinine", "µmol/L", "umol/L", 50, 110, 82, 16, 0),
    "egfr": LabTest(
        "62238-1", "eGFR (CKD-EPI)", "mL/min/1,73m²", "mL/min/{1.73_m2}", 60, None, 82, 14, 0
    ),
    "hb": LabTest("59260-0", "Hemoglobine", "mmol/L", "mmol/L", 7.5, 11.0, 8.8, 0.7, 1),
    "kalium": LabTest("2823-3", "Kalium", "mmol/L", "mmol/L", 3.5, 5.0, 4.3, 0.4, 1),
    "natrium": LabTest("2951-2", "Natrium", "mmol/L", "mmol/L", 135, 145, 140, 3, 0),
    "crp": LabTest("1988-5", "CRP", "mg/L", "mg/L", None, 10, 4, 3, 0),
    "glucose": LabTest("14771-0", "Glucose nuchter", "mmol/L", "mmol/L", 4.0, 6.1, 5.4, 0.6, 1),
    "tsh": LabTest("3016-3", "TSH", "mU/L", "m[IU]/L", 0.4, 4.0, 2.0, 0.9, 2),
    "ldl": LabTest("22748-8", "LDL-cholesterol", "mmol/L", "mmol/L", None, 2.6, 2.8, 0.7, 1),
}

# How a condition shifts a lab value (mean, sd) so that abnormal results follow the problem.
LAB_SHIFT: dict[tuple[str, str], tuple[float, float]] = {
    ("T90", "hba1c"): (56, 10),
    ("T90", "glucose"): (8.2, 1.8),
    ("K77", "creatinine"): (118, 30),
    ("K77", "egfr"): (52, 14),
    ("K77", "natrium"): (135, 4),
    ("K87", "creatinine"): (112, 25),
    ("K87", "egfr"): (55, 12),
    ("B80", "hb"): (6.9, 0.5),
    ("P15", "hb"): (8.0, 0.9),
    ("T86", "tsh"): (4.2, 2.0),
}
