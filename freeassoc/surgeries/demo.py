"""A small synthetic demo of Survival Surgery, for `freeassoc demo`: one surgery at stage 3 in
the demo organisation, with problems, dots, notes and steps, and made-up theme counts from
closed surgeries across regions and sectors, so the collective-grievances page has figures
above the suppression threshold. Everything is labelled synthetic wherever it appears."""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from freeassoc.orgs.models import Organisation

from . import services
from .models import Action, Note, Problem, Surgery, ThemeTally, Vote
from .taxonomy import region_choices, sector_choices, themes

DEMO_TITLE = "Demo: talking therapies team, north of the city (synthetic)"

PROBLEMS = [
    ("Eight clients a day, back to back, and no time to write notes.", ["caseload"]),
    ("The recovery-rate target decides who we see and for how long.", ["targets_data"]),
    (
        "Two of us work here unpaid as honoraries, one of them for three years now.",
        ["unwaged_work", "training_to_work"],
    ),
    (
        "Sessions were cut from twelve to six; clients come back worse.",
        ["patient_safety", "targets_data"],
    ),
    (
        "I'm on a sessional contract and don't know my hours next month.",
        ["precarious_work", "contracts"],
    ),
    (
        "People who raised concerns in team meetings were moved to other sites.",
        ["bullying_silencing"],
    ),
    ("Supervision is monthly and in a group of ten.", ["supervision"]),
    ("Staff wellbeing offer is a mindfulness app.", ["wellbeing_tokenism"]),
]
DOTS = [5, 4, 3, 3, 2, 2, 1, 0]
PSEUDONYMS = ["Heron", "Maple", "Otter", "Blue", "Juniper"]
NOTES = [
    (0, "Caseloads went from five to eight a day over two years (what we remember).", ""),
    (0, "The counsellors' network nearby has a caseload charter we could look at.", "groups"),
    (
        1,
        "The national survey found IAPT workers raise concerns about care far more often.",
        "findings",
    ),
    (2, "Unpaid posts outside a course may breach the minimum wage.", "rights:minimum_wage"),
]
ACTIONS = [
    (0, "Keep a simple caseload diary for four weeks", "All of us", 21, True),
    (0, "Ask the union rep to meet the team about caseload limits", "Heron", 14, False),
    (1, "Write down which targets change who we see, with examples", "Maple", 28, False),
    (2, "Find out what the honorary agreements actually say", "Otter", 21, False),
]

# Made-up closed surgeries for the grievances page: more in some regions and sectors, with
# themes more or less common, so that some counts pass the threshold and some are suppressed.
SYNTHETIC_SURGERIES = 320
THEME_WEIGHTS = {
    "caseload": 0.7,
    "targets_data": 0.6,
    "pay": 0.55,
    "unwaged_work": 0.45,
    "bullying_silencing": 0.4,
    "patient_safety": 0.4,
    "precarious_work": 0.35,
    "supervision": 0.3,
    "downgrading": 0.3,
    "contracts": 0.25,
    "multiple_employers": 0.2,
    "below_qualification": 0.2,
    "wellbeing_tokenism": 0.18,
    "training_costs": 0.15,
    "welfare_reform": 0.12,
    "privatisation": 0.12,
    "retirement_generation": 0.1,
    "training_to_work": 0.1,
    "management_load": 0.08,
    "isolation": 0.08,
    "other": 0.03,
}
REGION_WEIGHTS = {
    "london": 6,
    "north_west": 5,
    "yorkshire": 4,
    "south_east": 4,
    "west_midlands": 3,
    "south_west": 2,
    "east": 2,
    "east_midlands": 2,
    "north_east": 1,
    "scotland": 2,
    "wales": 1,
    "northern_ireland": 0.5,
}
SECTOR_WEIGHTS = {
    "nhs": 6,
    "third_sector": 3,
    "private": 2,
    "private_practice": 0.5,
    "education": 1,
    "other": 0.5,
}


@transaction.atomic
def load_demo(*, organisation: Organisation, seed: int = 7) -> Surgery:
    """Create the demo surgery in `organisation` (any of its owners and organisers can
    facilitate it) and the synthetic theme counts, once; later calls return the surgery."""
    existing = Surgery.objects.filter(organisation=organisation, title=DEMO_TITLE).first()
    if existing:
        return existing
    today = timezone.localdate()
    surgery = services.surgery_create(
        organisation=organisation,
        title=DEMO_TITLE,
        kind=Surgery.Kind.TEAM,
        region="north_west",
        sector="nhs",
        delete_on=today + datetime.timedelta(days=90),
        is_synthetic=True,
    )
    seats = [services.seat_take(surgery=surgery, pseudonym=name)[0] for name in PSEUDONYMS]
    problems = [
        Problem.objects.create(surgery=surgery, text=f"[Synthetic] {text}", themes=codes)
        for text, codes in PROBLEMS
    ]
    for problem, dots in zip(problems, DOTS, strict=True):
        for seat in seats[:dots]:
            Vote.objects.create(problem=problem, seat=seat)
    for problem in problems[:3]:
        problem.chosen = True
        problem.save(update_fields=["chosen"])
    for index, text, resource in NOTES:
        Note.objects.create(
            surgery=surgery, problem=problems[index], text=f"[Synthetic] {text}", resource=resource
        )
    for index, what, who, days, done in ACTIONS:
        Action.objects.create(
            surgery=surgery,
            problem=problems[index],
            what=f"[Synthetic] {what}",
            who=who,
            by_when=today + datetime.timedelta(days=days),
            done=done,
        )
    surgery.stage = Surgery.Stage.ACTIONS
    surgery.save(update_fields=["stage"])
    if not ThemeTally.objects.filter(is_synthetic=True, surgery__isnull=True).exists():
        synthetic_tallies(seed=seed)
    return surgery


def synthetic_tallies(*, seed: int = 7, surgeries: int = SYNTHETIC_SURGERIES) -> int:
    """Theme counts of made-up closed surgeries (already deleted: they point at nothing)."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    regions = [code for code, _ in region_choices()]
    sectors = [code for code, _ in sector_choices()]
    known = themes()
    rows = []
    for _ in range(surgeries):
        region = rng.choices(regions, [REGION_WEIGHTS.get(r, 1) for r in regions])[0]
        sector = rng.choices(sectors, [SECTOR_WEIGHTS.get(s, 1) for s in sectors])[0]
        kind = rng.choice(Surgery.Kind.values)
        raised = [code for code in known if rng.random() < THEME_WEIGHTS.get(code, 0.1)]
        rows += [
            ThemeTally(
                region=region,
                sector=sector,
                kind=kind,
                theme=code,
                problems=rng.randint(1, 4),
                is_synthetic=True,
            )
            for code in raised or ["other"]
        ]
    ThemeTally.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
