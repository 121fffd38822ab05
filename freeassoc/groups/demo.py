"""Synthetic local groups for `freeassoc demo`: made up, labelled "(demo)" in their names and
as synthetic on their pages, and attached to the demo network, never to a real organisation.
Their contact addresses are at example.org, a domain reserved for examples (RFC 2606)."""

from django.db import transaction

from freeassoc.orgs.models import Organisation

from . import services
from .models import LocalGroup, Network

DEMO_ORG_SLUG = "demo-network"  # the organisation `freeassoc demo` creates
DEMO_ORG_NAME = "Surviving Work demo network (synthetic)"

DEMO_GROUPS = [
    {
        "name": "Greater Manchester therapists' support circle (demo)",
        "meets": "in_person",
        "town": "Manchester",
        "region": "north_west",
        "areas": ["M", "SK", "OL", "BL", "WN"],
        "frequency": "monthly",
        "who_for": "Counsellors, therapists and wellbeing practitioners working in Greater "
        "Manchester, in the NHS or outside it.",
    },
    {
        "name": "Leeds and Bradford talking therapies workers (demo)",
        "meets": "in_person",
        "town": "Leeds",
        "region": "yorkshire",
        "areas": ["LS", "BD", "WF", "HD"],
        "frequency": "fortnightly",
        "who_for": "Anyone working in NHS Talking Therapies services in West Yorkshire, "
        "including trainees and honorary workers.",
    },
    {
        "name": "Bristol honorary and trainee therapists (demo)",
        "meets": "in_person",
        "town": "Bristol",
        "region": "south_west",
        "areas": ["BS", "BA"],
        "frequency": "monthly",
        "who_for": "Trainees and honorary therapists doing unpaid clinical hours in and "
        "around Bristol.",
    },
    {
        "name": "North London mental-health workers' survival surgery (demo)",
        "meets": "in_person",
        "town": "London",
        "region": "london",
        "areas": ["N", "NW", "EN", "WC"],
        "frequency": "monthly",
        "who_for": "Mental-health nurses, therapists and support workers in north London.",
    },
    {
        "name": "Glasgow counsellors together (demo)",
        "meets": "in_person",
        "town": "Glasgow",
        "region": "scotland",
        "areas": ["G", "PA", "ML"],
        "frequency": "occasionally",
        "who_for": "Counsellors and psychotherapists in the west of Scotland.",
    },
    {
        "name": "Cardiff and the Valleys mental-health workers (demo)",
        "meets": "in_person",
        "town": "Cardiff",
        "region": "wales",
        "areas": ["CF", "NP"],
        "frequency": "monthly",
        "who_for": "Anyone working in mental-health services in south-east Wales.",
    },
    {
        "name": "Self-employed therapists online (demo)",
        "meets": "online",
        "town": "",
        "region": "",
        "areas": [],
        "frequency": "fortnightly",
        "who_for": "Therapists on self-employed or zero-hours contracts anywhere in the UK, "
        "who rarely get to talk to colleagues.",
    },
]


@transaction.atomic
def load_demo_groups() -> list[LocalGroup]:
    """Idempotent: groups already there (by name) are left alone. Loads the directory too."""
    services.directory_load()
    organisation, _ = Organisation.objects.get_or_create(
        slug=DEMO_ORG_SLUG,
        defaults={"name": DEMO_ORG_NAME, "kind": Organisation.Kind.WORKERS_GROUP, "approved": True},
    )
    network, _ = Network.objects.get_or_create(
        slug="surviving-work-demo-network",
        defaults={
            "name": DEMO_ORG_NAME,
            "kind": "workers_group",
            "description": "A made-up network for the demonstration: its local groups are "
            "synthetic, and join requests go to example.org addresses that nobody reads.",
            "approved": True,
            "organisation": organisation,
        },
    )
    groups = []
    for n, spec in enumerate(DEMO_GROUPS, start=1):
        existing = LocalGroup.objects.filter(name=spec["name"], is_synthetic=True).first()
        if existing:
            groups.append(existing)
            continue
        groups.append(
            services.local_group_create(
                organisation=organisation,
                network=network,
                contact_email=f"demo-group-{n}@example.org",
                is_synthetic=True,
                **spec,
            )
        )
    return groups
