import datetime as dt
import hashlib

from django.core.management.base import BaseCommand
from django.utils import timezone

from audit.actors import Actor
from consent.models import ConsentRegistration, Decision, Policy, Scope, Source
from consent.services import policy_create
from registry.services import choice_register
from summaries.models import Summary


class Command(BaseCommand):
    help = (
        "Demo data for triage: the Corona Opt-in policy (on), and a mix of registered "
        "consent, refusal and blank patients among the pulled summaries. Prints one of each."
    )

    def handle(self, *args, **options):
        gp = Actor.system("demo_consent")
        if not Policy.objects.filter(name="Corona Opt-in").exists():
            # Through the service, as on the policies page: its history and ledger event.
            policy_create(
                name="Corona Opt-in",
                on=True,
                condition=Policy.Condition.SUSPECTED_COVID,
                starts_at=timezone.now() - dt.timedelta(days=1),
                ends_at=None,
                reason="Demo: blank patients' summaries with on-the-spot consent, "
                "for (suspected) COVID-19.",
                actor=gp,
            )
        examples: dict[str, tuple[str, str]] = {}
        registered = set(ConsentRegistration.objects.values_list("patient_bsn", flat=True))
        for bsn, birth_date in Summary.objects.order_by("bsn").values_list("bsn", "birth_date"):
            # Deterministic per BSN: 40% consent, 10% refusal, the rest blank.
            bucket = int(hashlib.sha256(bsn.encode()).hexdigest(), 16) % 10
            choice = "consent" if bucket < 4 else "refusal" if bucket == 4 else "blank"
            if choice != "blank" and bsn not in registered:
                choice_register(  # with its effect: a refusal purges the summary
                    patient_bsn=bsn,
                    scope=Scope.BOTH,
                    decision=Decision(choice),
                    source=Source.GP_PRACTICE,
                    actor=gp,
                    patient_birth_date=birth_date,
                )
            examples.setdefault(choice, (bsn, birth_date.isoformat()))
        refused = (
            ConsentRegistration.objects.filter(
                decision=Decision.REFUSAL,
                successor__isnull=True,
                patient_birth_date__isnull=False,
            )
            .order_by("patient_bsn")
            .values_list("patient_bsn", "patient_birth_date")
            .first()
        )
        # Their summary is gone; the registration keeps the birth date that the search
        # needs before it says "refused" (registrations from before it was kept have none).
        examples.pop("refusal", None)
        if refused:
            examples["refusal"] = (refused[0], refused[1].isoformat())
        self.stdout.write("Demo patients to search for (BSN, birth date):")
        for choice, label in (
            ("consent", "registered consent"),
            ("blank", "no choice (blank)"),
            ("refusal", "registered refusal"),
        ):
            if choice in examples:
                bsn, birth = examples[choice]
                self.stdout.write(f"  {label:<20} {bsn}  {birth}")
        # For the GP's pages: a patient enrolled with the demo GP's practice (AGB 01100000).
        own = (
            Summary.objects.filter(practice__agb="01100000")
            .order_by("bsn")
            .values_list("bsn", "birth_date")
            .first()
        )
        if own:
            self.stdout.write(f"  {'of the GP huisarts':<20} {own[0]}  {own[1].isoformat()}")
