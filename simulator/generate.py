"""What a patient has: deterministic summaries from (seed, practice, patient, version, today).

The first version is drawn from a `random.Random` seeded with (seed, practice, patient); each
later version applies one more change (a new lab result and a changed dose) drawn from
(seed, practice, patient, version). The same arguments always give the same resources, in
whichever thread and order they are asked for.
"""

from __future__ import annotations

import hashlib
import random
from datetime import date, timedelta
from typing import Any

from faker.providers.address.nl_NL import Provider as _Address
from faker.providers.person.nl_NL import Provider as _Person

from simulator import catalog as cat
from simulator import journal
from simulator.practices import LAST_NAMES, Practice, split_family_name
from simulator.resources import PatientBuilder, Resource

# Faker's nl_NL word lists, drawn from directly: a Faker instance is not thread-safe, and
# re-seeding one per patient costs more than building the whole patient.
FIRST_MALE = _Person.first_names_male
FIRST_FEMALE = _Person.first_names_female
STREET_STEMS = _Person.first_names
STREET_SUFFIXES = _Address.street_suffixes
CITIES = _Address.cities
POSTCODE_LETTERS = "ABCDEGHJKLMNPRTVWXZ"

BIRTH_FIRST = date(1930, 1, 1)
BIRTH_LAST = date(2024, 12, 31)
_CHRONIC_WEIGHTS = [p.weight for p in cat.CHRONIC]
_ALLERGEN_WEIGHTS = [a.weight for a in cat.ALLERGENS]
# Infections that make the GP ask for a CRP, and the (mean, sd) it then comes back with.
_INFECTION_CRP = {"R81": (70.0, 35.0), "R78": (14.0, 8.0), "U71": (12.0, 8.0)}


def rng_for(*parts: object) -> random.Random:
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    # Test data, not secrets: a seeded PRNG is the point (same seed, same patients).
    return random.Random(int.from_bytes(digest))  # noqa: S311


def patient_resources(
    practice: Practice,
    *,
    seed: int,
    today: date,
    patient: int,
    version: int,
    bsn: str,
    last_updated: str,
) -> list[Resource]:
    """The Patient first, then the rest of the summary."""
    rng = rng_for(seed, practice.index, patient)
    b = PatientBuilder(practice, patient, today, rng)
    person = _person(rng, practice, today)
    born: date = person["born"]
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    b.patient(person, bsn, version, last_updated)

    problems = _chronic_problems(rng, age)
    episodes: dict[str, tuple[str, date]] = {}
    for problem in problems:
        first = max(_years_after(born, problem.min_age), today - timedelta(days=40 * 365))
        onset = b.day_between(first, today - timedelta(days=60))
        attention = rng.random() < problem.attention
        ident = b.condition(problem.code, problem.display, onset, closed=None, attention=attention)
        episodes[problem.code] = (ident, onset)
        for (code, test), shift in cat.LAB_SHIFT.items():
            if code == problem.code:
                b.shifts[test] = shift
    for _ in range(min(4, int(rng.expovariate(0.8)))):
        code, display = rng.choice(cat.ACUTE)
        onset = b.day_between(
            max(born, today - timedelta(days=5 * 365)), today - timedelta(days=14)
        )
        closed = min(today, onset + timedelta(days=rng.randint(5, 30)))
        b.condition(code, display, onset, closed=closed, attention=False)

    _medication(b, problems, episodes)
    for allergen in _distinct(rng, cat.ALLERGENS, _ALLERGEN_WEIGHTS, _allergy_count(rng)):
        b.allergy(allergen, b.day_between(born, today))

    contacts = _contacts(b, problems, len(problems))
    _labs(b, problems, contacts)
    for day, code, display in contacts:
        b.contact(day, code, display)
    _flags(b, age)

    for step in range(2, version + 1):
        _change(b, rng_for(seed, practice.index, patient, "v", step), step)
    return b.resources


def _person(rng: random.Random, practice: Practice, today: date) -> dict[str, Any]:
    male = rng.random() < 0.5
    given = rng.choice(FIRST_MALE if male else FIRST_FEMALE)
    family = rng.choice(LAST_NAMES)
    prefix, own = split_family_name(family)
    last = min(BIRTH_LAST, today).toordinal()
    born = date.fromordinal(rng.randint(BIRTH_FIRST.toordinal(), last))
    # Patients mostly live in their practice's own town.
    city = practice.city if rng.random() < 0.85 else rng.choice(CITIES)
    letters = rng.choice(POSTCODE_LETTERS) + rng.choice(POSTCODE_LETTERS)
    return {
        "gender": "male" if male else "female",
        "given": given,
        "family": family,
        "prefix": prefix,
        "own": own,
        "born": born,
        "city": city,
        "street": rng.choice(STREET_STEMS) + rng.choice(STREET_SUFFIXES),
        "number": str(rng.randint(1, 250)) + ("" if rng.random() < 0.9 else rng.choice("abc")),
        "postal_code": f"{rng.randint(1000, 9999)} {letters}",
        "phone": f"06{rng.randint(10**7, 10**8 - 1)}",
    }


def _years_after(born: date, years: int) -> date:
    return date(born.year + years, born.month, min(born.day, 28))


def _distinct(rng: random.Random, items: tuple, weights: list[int], k: int) -> list:
    """k distinct items drawn by weight (few draws: k is small next to the choice)."""
    chosen: list = []
    for _ in range(k * 4):
        if len(chosen) >= k:
            break
        item = rng.choices(items, weights)[0]
        if item not in chosen:
            chosen.append(item)
    return chosen


def _chronic_problems(rng: random.Random, age: int) -> list[cat.Problem]:
    # Multimorbidity grows with age: about one open episode per 18 years after 20.
    expected = min(6.0, max(0.3, (age - 20) / 18))
    count = sum(1 for _ in range(8) if rng.random() < expected / 8)
    eligible = [
        (p, w) for p, w in zip(cat.CHRONIC, _CHRONIC_WEIGHTS, strict=True) if age >= p.min_age
    ]
    if not eligible:
        return []
    items, weights = zip(*eligible, strict=True)
    return _distinct(rng, items, list(weights), count)


def _allergy_count(rng: random.Random) -> int:
    return rng.choices((0, 1, 2, 3), (75, 18, 5, 2))[0]


def _medication(b: PatientBuilder, problems: list[cat.Problem], episodes: dict) -> None:
    rng, seen = b.rng, set()
    protect: str | None = None
    for problem in problems:
        ident, onset = episodes[problem.code]
        wanted = rng.choices((0, 1, 2), (1, 7, 2))[0]
        for key in rng.sample(problem.meds, min(wanted, len(problem.meds))):
            if key in seen:
                continue
            seen.add(key)
            b.medication(key, b.day_between(onset, b.today - timedelta(days=30)), ident)
            if key in cat.NEEDS_PPI and protect is None:
                protect = ident
    if protect is not None:  # stomach protection next to NSAIDs and platelet inhibitors
        b.medication("omeprazol", b.today - timedelta(days=rng.randint(60, 900)), protect)


def _contacts(
    b: PatientBuilder, problems: list[cat.Problem], burden: int
) -> list[tuple[date, str, str]]:
    rng = b.rng
    expected = min(5.5, 0.6 + 0.7 * burden)
    count = sum(1 for _ in range(6) if rng.random() < expected / 6)
    contacts = []
    for _ in range(count):
        if problems and rng.random() < 0.55:  # follow-up of an open episode
            problem = rng.choice(problems)
            code, display = problem.code, problem.display
        else:
            code, display = rng.choice(cat.ACUTE)
        contacts.append((b.recent_day(), code, display))
    contacts.sort()
    return contacts


def _labs(
    b: PatientBuilder, problems: list[cat.Problem], contacts: list[tuple[date, str, str]]
) -> None:
    rng = b.rng
    panel: list[str] = []
    for problem in problems:
        panel.extend(test for test in problem.labs if test not in panel)
    for _day, code, _display in contacts:
        if code in _INFECTION_CRP and "crp" not in panel:
            panel.append("crp")
            b.shifts["crp"] = _INFECTION_CRP[code]
    if not panel and rng.random() < 0.2:  # a check-up without a known problem
        panel = ["hb", "glucose", "creatinine"]
    b.panel = panel
    for test in panel:
        if rng.random() < 0.75:
            from_contact = contacts and rng.random() < 0.6
            day = rng.choice(contacts)[0] if from_contact else b.recent_day()
            b.lab(test, day)
            if test == "hba1c" and rng.random() < 0.4:  # diabetes checks repeat every 3 months
                b.lab(test, b.recent_day())


def _flags(b: PatientBuilder, age: int) -> None:
    rng = b.rng
    chance = 0.45 if age >= 80 else 0.15 if age >= 65 else 0.03
    if rng.random() >= chance:
        return
    eligible = [(text, weight) for text, min_age, weight in journal.FLAGS if age >= min_age]
    texts, weights = zip(*eligible, strict=True)
    for text in _distinct(rng, texts, list(weights), rng.choice((1, 1, 2))):
        b.flag(text, b.today - timedelta(days=rng.randint(1, 3650)))


def _change(b: PatientBuilder, rng: random.Random, step: int) -> None:
    """Version `step`: a new lab result and, when there is medication, a changed dose."""
    b.rng = rng
    day = b.today - timedelta(days=rng.randint(0, 3))
    b.lab(rng.choice(b.panel or ["hb", "crp", "creatinine"]), day, ident=f"lab-{b.key}-v{step}")
    if not b.meds:
        return
    resource, med = rng.choice(b.meds)
    key = "dosageInstruction" if resource["resourceType"] == "MedicationRequest" else "dosage"
    current = resource[key][0]["text"]
    options = [*med.dosages, f"{med.dosages[0]}, tijdelijk halveren"]
    resource[key] = [{"text": rng.choice([o for o in options if o != current])}]
    if key == "dosageInstruction":
        resource["authoredOn"] = day.isoformat()
    else:
        resource["effectivePeriod"] = {"start": day.isoformat()}
