"""UK postcodes down to the area, regions, and distances between areas.

A postcode is only ever reduced to its area (the leading letters): that is all the shipped data
knows (see data/README.md), all "nearest first" needs, and all we want to learn about where a
worker lives. Nothing here stores what was typed.
"""

from __future__ import annotations

import csv
import functools
import math
import re
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "postcode_areas.csv"

# The codes and labels of the Surviving Work questionnaire's `region` question, so that
# groups, surgeries and survey findings speak of the same places.
REGIONS: list[tuple[str, str]] = [
    ("london", "London"),
    ("south_east", "South East"),
    ("south_west", "South West"),
    ("east", "East of England"),
    ("east_midlands", "East Midlands"),
    ("west_midlands", "West Midlands"),
    ("yorkshire", "Yorkshire and the Humber"),
    ("north_west", "North West"),
    ("north_east", "North East"),
    ("wales", "Wales"),
    ("scotland", "Scotland"),
    ("northern_ireland", "Northern Ireland"),
]
REGION_NAMES = dict(REGIONS)

EARTH_RADIUS_MILES = 3958.8

# Royal Mail's format. Outward code: area (1-2 letters), district (a digit, then a digit or a
# letter). Inward code: a digit and two letters. The letters C I K M O V never appear in the
# inward code; Q V X never start a postcode, and I J Z are never its second letter.
_FULL = re.compile(r"^([A-Z]{1,2})([0-9][A-Z0-9]?)([0-9])([A-Z]{2})$")
_OUTWARD = re.compile(r"^([A-Z]{1,2})([0-9][A-Z0-9]?)$")
_AREA = re.compile(r"^[A-Z]{1,2}$")
_NOT_INWARD = set("CIKMOV")


class PostcodeError(ValueError):
    """A sentence for the person who typed it, saying what is wrong and what to do."""


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    region: str  # "" outside the questionnaire's regions (Isle of Man, Channel Islands)
    latitude: float
    longitude: float

    @property
    def region_name(self) -> str:
        return REGION_NAMES.get(self.region, "")

    @property
    def label(self) -> str:
        return f"{self.code} ({self.name})"


@functools.cache
def areas() -> dict[str, Area]:
    with DATA.open(newline="", encoding="utf-8") as f:
        return {
            row["code"]: Area(
                code=row["code"],
                name=row["name"],
                region=row["region"],
                latitude=float(row["latitude"]),
                longitude=float(row["longitude"]),
            )
            for row in csv.DictReader(f)
        }


@functools.cache
def _by_name() -> dict[str, Area]:
    """Main towns typed instead of a postcode ("leeds"): a kindness, not a gazetteer."""
    return {a.name.casefold(): a for a in areas().values()}


@dataclass(frozen=True)
class Place:
    """Where a search starts from: a postcode area, or the middle of a region."""

    label: str  # for a sentence: "the M (Manchester) postcode area", "Wales"
    latitude: float
    longitude: float
    area: Area | None = None
    region: str = ""

    @property
    def region_name(self) -> str:
        return REGION_NAMES.get(self.region, "")


def normalise(text: str) -> str:
    return re.sub(r"\s+", "", text or "").upper()


def parse(text: str) -> Area:
    """The postcode area of a full postcode ("SW1A 1AA"), an outward code ("EH3") or an area
    ("BT"), in any case and spacing. Raises PostcodeError with a sentence to show."""
    code = normalise(text)
    if not code:
        raise PostcodeError("Enter a postcode, for example M1 1AE, or just its first part, M1.")
    shown = text.strip()[:40]
    if by_name := _by_name().get(" ".join(text.split()).casefold()):
        return by_name
    if (full := _FULL.match(code)) and not set(full.group(4)) & _NOT_INWARD:
        letters = full.group(1)
    elif outward := _OUTWARD.match(code):
        letters = outward.group(1)
    elif _AREA.match(code):
        letters = code
    else:
        raise PostcodeError(
            f"“{shown}” is not a postcode we recognise. Enter a postcode such as M1 1AE, its "
            "first part such as M1, a main town such as Leeds, or choose your region instead."
        )
    area = areas().get(letters)
    if area is None:
        raise PostcodeError(
            f"We don't know the postcode area “{letters}”. UK postcodes start with one or two "
            "letters, such as M for Manchester or EH for Edinburgh: check those letters, or "
            "choose your region instead."
        )
    return area


def area_place(area: Area) -> Place:
    return Place(
        label=f"the {area.label} postcode area",
        latitude=area.latitude,
        longitude=area.longitude,
        area=area,
        region=area.region,
    )


def region_place(region: str) -> Place:
    """The middle of a region: the mean position of its areas' towns (good enough to order the
    nearest groups outside it)."""
    inside = [a for a in areas().values() if a.region == region]
    return Place(
        label=REGION_NAMES[region],
        latitude=sum(a.latitude for a in inside) / len(inside),
        longitude=sum(a.longitude for a in inside) / len(inside),
        region=region,
    )


def miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(math.sqrt(h))


def miles_between(place: Place, area: Area) -> float:
    return miles(place.latitude, place.longitude, area.latitude, area.longitude)


def parse_area_list(text: str) -> list[str]:
    """Areas an organiser types ("M, SK OL14"): each item may be an area, an outward code or a
    full postcode; the result is the distinct areas in the order given. Raises PostcodeError
    naming every item it does not know."""
    items = [item for item in re.split(r"[\s,;]+", (text or "").upper()) if item]
    found, unknown = [], []
    for item in items:
        try:
            code = parse(item).code
        except PostcodeError:
            unknown.append(item[:12])
            continue
        if code not in found:
            found.append(code)
    if unknown:
        listed = ", ".join(f"“{u}”" for u in unknown[:5])
        raise PostcodeError(
            f"We don't know the postcode area{'s' if len(unknown) > 1 else ''} {listed}. "
            "Give each area's letters, such as M SK OL."
        )
    return found
