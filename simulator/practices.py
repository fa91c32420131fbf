"""The practices a run plays: identifiers, name, token and GP, all derived from the seed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from faker import Faker
from faker.providers.person.nl_NL import Provider as _Person

FHIR_R4 = "4.0.1"
FHIR_STU3 = "3.0.2"


@dataclass(frozen=True, slots=True)
class GeneralPractitioner:
    given: str
    initials: str
    prefix: str  # voorvoegsel, e.g. "van der"
    own_name: str
    agb: str
    uzi: str

    @property
    def family(self) -> str:
        return f"{self.prefix} {self.own_name}" if self.prefix else self.own_name

    @property
    def text(self) -> str:
        return f"{self.initials} {self.family}"


@dataclass(frozen=True, slots=True)
class Practice:
    index: int  # position in the listing; generated practices come first
    agb: str
    ura: str
    name: str
    token: str
    base_url: str
    fhir_version: str
    city: str = ""
    street: str = ""
    postal_code: str = ""
    gp: GeneralPractitioner | None = None
    patients: int = 0  # generated patients; from-dir practices count their Patient files
    source_dir: Path | None = None

    @property
    def generated(self) -> bool:
        return self.source_dir is None

    @property
    def organization_id(self) -> str:
        return f"org-{self.agb}"

    @property
    def practitioner_id(self) -> str:
        return f"gp-{self.agb}"

    @property
    def role_id(self) -> str:
        return f"role-{self.agb}"


def practice_token(seed: int, agb: str) -> str:
    # The contract fixes the token so tests and the demo can compute it without asking.
    return hashlib.sha256(f"{seed}:{agb}".encode()).hexdigest()[:32]


def split_family_name(family: str) -> tuple[str, str]:
    """('van der', 'Berg') from 'van der Berg': Dutch names sort on the part after the prefix."""
    words = family.split(" ")
    for cut, word in enumerate(words):
        if word[:1].isupper():
            return " ".join(words[:cut]), " ".join(words[cut:])
    return "", family


def usable_last_names(names: tuple[str, ...]) -> tuple[str, ...]:
    # Faker's list carries some medieval and inverted ("Bourgondië, van") names; keep
    # ordinary ones: no commas, at most a prefix plus one or two words.
    return tuple(n for n in names if "," not in n and len(n.split(" ")) <= 4 and n[:1] != "'")


LAST_NAMES = usable_last_names(_Person.last_names)


@cache
def _faker() -> Faker:
    # Building a Faker costs tens of milliseconds; practices are made once, in one thread.
    return Faker("nl_NL")


def generated_practice(*, seed: int, index: int, origin: str, patients: int) -> Practice:
    fake = _faker()
    digest = hashlib.sha256(f"practice:{seed}:{index}".encode()).digest()
    fake.seed_instance(int.from_bytes(digest[:8]))
    agb = f"{1_100_000 + index:08d}"
    city = fake.city()
    street = fake.street_name()
    pattern = fake.random_int(0, 3)
    if pattern == 0:
        name = f"Huisartsenpraktijk {city}"
    elif pattern == 1:
        name = f"Huisartsenpraktijk {street}"
    elif pattern == 2:
        name = f"Gezondheidscentrum {city}-{fake.random_element(('Noord', 'Zuid', 'Oost', 'West'))}"
    else:
        name = f"Huisartsenpraktijk {split_family_name(fake.last_name())[1]}"
    prefix, own = split_family_name(fake.random_element(LAST_NAMES))
    given = fake.first_name()
    initials = given[0] + "." + (fake.random_uppercase_letter() + "." if fake.boolean() else "")
    gp = GeneralPractitioner(
        given=given,
        initials=initials,
        prefix=prefix,
        own_name=own,
        agb=f"{1_010_000 + index:08d}",  # 01 = huisartsen; apart from the practice range
        uzi=f"{900_100_000 + index:09d}",
    )
    return Practice(
        index=index,
        agb=agb,
        ura=f"{92_000_000 + index:08d}",
        name=name,
        token=practice_token(seed, agb),
        base_url=f"{origin}/practices/{agb}/fhir",
        fhir_version=FHIR_R4,
        city=city,
        street=f"{street} {fake.random_int(1, 200)}",
        postal_code=f"{fake.random_int(1000, 9999)} {fake.random_uppercase_letter()}"
        f"{fake.random_uppercase_letter()}",
        gp=gp,
        patients=patients,
    )


def directory_practice(
    *, seed: int, index: int, k: int, origin: str, directory: Path, fhir_version: str, patients: int
) -> Practice:
    agb = f"{99_000_000 + k:08d}"
    return Practice(
        index=index,
        agb=agb,
        ura=f"{99_100_000 + k:08d}",
        name=f"Voorbeeldpraktijk {directory.name}",
        token=practice_token(seed, agb),
        base_url=f"{origin}/practices/{agb}/fhir",
        fhir_version=fhir_version,
        patients=patients,
        source_dir=directory,
    )
