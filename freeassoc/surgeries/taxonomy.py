"""The data shipped with the app: the theme taxonomy, the rights entries, and the region and
sector codes (taken from the Surviving Work questionnaire, so surgeries and survey answers can
be read side by side)."""

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

from freeassoc.surveys import instrument as instruments

DATA_DIR = Path(__file__).resolve().parent / "data"
INSTRUMENT = ("surviving-work", 1)


@dataclass(frozen=True)
class Theme:
    code: str
    label: str
    description: str


@dataclass(frozen=True)
class Right:
    code: str
    title: str
    law: str
    summary: str
    look_up: str


def _load(name: str) -> list[dict]:
    return yaml.safe_load((DATA_DIR / name).read_text(encoding="utf-8"))


@functools.cache
def themes() -> dict[str, Theme]:
    """Every theme by code, in the file's order."""
    return {row["code"]: Theme(**row) for row in _load("themes.yaml")}


@functools.cache
def rights() -> dict[str, Right]:
    return {row["code"]: Right(**row) for row in _load("rights.yaml")}


def theme_choices() -> list[tuple[str, str]]:
    return [(t.code, t.label) for t in themes().values()]


def _options(question_id: str) -> list[tuple[str, str]]:
    question = instruments.get(*INSTRUMENT).questions[question_id]
    return [(o.code, o.label) for o in question.options]


def region_choices() -> list[tuple[str, str]]:
    return _options("region")


def sector_choices() -> list[tuple[str, str]]:
    return _options("sector")
