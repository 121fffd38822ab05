"""What the groups pages read: the directory, and groups nearest a place.

Distances are worked out in Python from the shipped area centres: the number of listed groups
is small (hundreds, not millions), and every query here is one round trip with its areas
prefetched.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q

from freeassoc.orgs.models import AuditEvent, Membership

from . import postcodes
from .models import GroupArea, LocalGroup, Network

# Headings for the directory, in the order a worker looking for support would want them.
HEADINGS = {
    "union": "Trade unions",
    "workers_group": "Self-organised groups of workers",
    "service_user": "Service-user and disability networks",
    "campaign": "Campaigns",
    "professional": "Professional bodies",
    "research": "Research groups",
    "other": "Other groups",
}

NEAR_MILES = 40  # an in-person group this close is "near you"; past it, "elsewhere"
ELSEWHERE = 3  # how many groups further away an empty result offers


@dataclass(frozen=True)
class Found:
    group: LocalGroup
    miles: float | None = None  # None when the search was by region

    @property
    def in_area(self) -> bool:
        return self.miles is not None and self.miles < 0.5

    @property
    def rounded_miles(self) -> int:
        return max(1, round(self.miles or 0))


@dataclass
class Search:
    place: postcodes.Place
    near: list[Found] = field(default_factory=list)
    elsewhere: list[Found] = field(default_factory=list)
    online: list[LocalGroup] = field(default_factory=list)

    @property
    def by_postcode(self) -> bool:
        return self.place.area is not None


def listed_groups():
    return (
        LocalGroup.objects.filter(approved=True, network__approved=True)
        .select_related("network", "organisation")
        .prefetch_related(Prefetch("areas", queryset=GroupArea.objects.order_by("pk")))
    )


def _miles(place: postcodes.Place, group: LocalGroup) -> float:
    """From the place to the nearest area the group covers (0 if it covers the place's area)."""
    known = postcodes.areas()
    centres = [known[a.area] for a in group.areas.all() if a.area in known]
    if centres:
        return min(postcodes.miles_between(place, c) for c in centres)
    # No area recorded (only possible through the admin): fall back to the region's middle.
    centre = postcodes.region_place(group.region)
    return postcodes.miles(place.latitude, place.longitude, centre.latitude, centre.longitude)


def _online(groups: list[LocalGroup], region: str) -> list[LocalGroup]:
    """Online groups for this region, then those open to the whole UK."""
    chosen = [g for g in groups if g.is_online and (not g.region or g.region == region)]
    return sorted(chosen, key=lambda g: (g.region == "", g.name.casefold()))


def search_near_area(area: postcodes.Area) -> Search:
    place = postcodes.area_place(area)
    groups = list(listed_groups())
    in_person = sorted(
        (Found(g, _miles(place, g)) for g in groups if not g.is_online),
        key=lambda f: (f.miles, f.group.name.casefold()),
    )
    near = [f for f in in_person if f.miles <= NEAR_MILES]
    return Search(
        place=place,
        near=near,
        elsewhere=[] if near else in_person[:ELSEWHERE],
        online=_online(groups, area.region),
    )


def search_in_region(region: str) -> Search:
    place = postcodes.region_place(region)
    groups = list(listed_groups())
    near = sorted(
        (Found(g) for g in groups if not g.is_online and g.region == region),
        key=lambda f: (f.group.town.casefold(), f.group.name.casefold()),
    )
    elsewhere = []
    if not near:
        elsewhere = sorted(
            (Found(g, _miles(place, g)) for g in groups if not g.is_online),
            key=lambda f: (f.miles, f.group.name.casefold()),
        )[:ELSEWHERE]
    return Search(place=place, near=near, elsewhere=elsewhere, online=_online(groups, region))


def directory() -> list[tuple[str, list[Network]]]:
    """Listed networks under a heading per kind, each with how many local groups it lists."""
    networks = Network.objects.filter(approved=True).annotate(
        group_count=Count("groups", filter=Q(groups__approved=True))
    )
    by_kind: dict[str, list[Network]] = {k: [] for k in HEADINGS}
    for network in networks.order_by("name"):
        by_kind.setdefault(network.kind, []).append(network)
    labels = dict(Network.KIND_CHOICES)
    return [
        (HEADINGS.get(kind) or labels.get(kind, kind), items)
        for kind, items in by_kind.items()
        if items
    ]


def groups_of_network(network: Network):
    return listed_groups().filter(network=network).order_by("region", "town", "name")


def groups_for_organiser(user):
    return (
        LocalGroup.objects.filter(
            organisation__members__user=user,
            organisation__members__role__in=Membership.RUNS_SURVEYS,
        )
        .select_related("network", "organisation")
        .prefetch_related("areas")
        .order_by("organisation__name", "name")
    )


def group_history(group: LocalGroup):
    """Every recorded change to the group, newest first."""
    return AuditEvent.objects.filter(group=group).order_by("-at", "-pk")
