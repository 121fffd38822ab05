import pytest

from freeassoc.groups import services
from freeassoc.groups.models import Network


@pytest.fixture
def network(db):
    return Network.objects.create(
        name="Counsellors Together UK",
        slug="counsellors-together-uk",
        kind="workers_group",
        description="Counsellors organising against unpaid work.",
        approved=True,
    )


@pytest.fixture
def make_group(org, network):
    """A listed local group; in person in the areas given, or online when areas is empty."""

    def make(name, areas=(), *, region="", town="", contact="contact@group.example", **extra):
        meets = "in_person" if areas else "online"
        if areas and not region:
            from freeassoc.groups import postcodes

            region = postcodes.areas()[areas[0]].region
        return services.local_group_create(
            organisation=extra.pop("organisation", org),
            network=extra.pop("network", network),
            name=name,
            meets=meets,
            region=region,
            town=town or (name.split()[0] if areas else ""),
            frequency=extra.pop("frequency", "monthly"),
            who_for=extra.pop("who_for", "Therapists and counsellors."),
            contact_email=contact,
            areas=list(areas),
            **extra,
        )

    return make
