"""The cell-key method: published counts carry a small, consistent noise.

The method the ONS used for the 2021 Census and the ABS uses in TableBuilder. Every record
(a response, a grievance) has a record key, a number from 0 to 255 that looks random. A cell's
key is the sum of the record keys of the people counted in it, modulo 256, and the noise added
to the cell's count is read from a fixed table by that key. So:

* the same set of people always gets the same noise, wherever it is published (the base of one
  figure and the count of another agree, and asking twice gives nothing new);
* a set that gains or loses anyone gets a new key, and so a noise that has nothing to do with
  the old one: subtracting two releases, or padding a cell with answers of one's own, gives
  the difference give or take up to 2 x MAX_NOISE, never exactly.

A record key here is a keyed hash of the record (its coded answers, or a grievance's id) under
a secret derived from the site's SECRET_KEY: an outsider who knows a record's content, even one
they wrote, cannot know its key. Two identical records share a key, which gives nothing away.
Keys are not stored anywhere: nothing new is kept about a respondent.

The noise is -1, 0 or +1 (a quarter, a half and a quarter of the keys). It is small on purpose:
suppression still hides counts under k, and it is meant to work with releases that need many new
responses between them and an audit (audit.py) of what an attacker could work out from them.
No public output uses it yet: disclosure.publish(perturbed=True) is off by default until
releases exist (issue 10).
"""

from __future__ import annotations

import hashlib
import hmac

import numpy as np
import polars as pl
from django.conf import settings

MAX_NOISE = 1
KEYS = 256

# Noise by cell key: a fixed shuffle of 64 x -1, 128 x 0, 64 x +1 (the seed is part of the
# method: changing it changes every published count).
PTABLE = np.random.default_rng(20210321).permutation(
    np.repeat(np.array([-1, 0, 1], dtype=np.int64), [64, 128, 64])
)


def _secret(purpose: str) -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), f"cell-key:{purpose}".encode(), "sha256").digest()


def record_keys(frame: pl.DataFrame) -> pl.Series:
    """A record key for each row of a frame of coded answers, from its content."""
    if frame.width == 0:
        return pl.Series("record_key", [], dtype=pl.Int64)
    secret = _secret("responses")
    seed, mix = (int.from_bytes(secret[i : i + 8], "big") for i in (0, 8))
    # polars' row hash, seeded with one secret, then mixed with another through splitmix64's
    # finaliser: the fast hash is not a cryptographic one, the mixing makes its low bits
    # depend on every bit of both.
    x = frame.hash_rows(seed=seed >> 1).to_numpy().astype(np.uint64) ^ np.uint64(mix)
    with np.errstate(over="ignore"):
        x = x + np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        x = x ^ (x >> np.uint64(31))
    return pl.Series("record_key", (x % np.uint64(KEYS)).astype(np.int64))


def record_key(*parts: object) -> int:
    """The record key of a record named by its parts (e.g. "grievance", its id)."""
    text = ":".join(str(p) for p in parts).encode()
    return hmac.new(_secret("records"), text, hashlib.sha256).digest()[0]


def noise(counts: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """The noise for cells with these counts and cell keys (sums of record keys, any size).
    An empty cell has no people and no noise."""
    counts = np.asarray(counts, dtype=np.int64)
    out = PTABLE[np.asarray(keys, dtype=np.int64) % KEYS]
    return np.where(counts > 0, out, 0)


def perturb(counts: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Counts with their noise added, never below zero."""
    counts = np.asarray(counts, dtype=np.int64)
    return np.maximum(counts + noise(counts, keys), 0)
