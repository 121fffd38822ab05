"""Synthetic demo answers for the Surviving Work questionnaire. Made up: label them so.

The answers reproduce every figure the essay publishes (INDICATORS.md), rounded to a whole per
cent. They do so by allocating exact quotas -- the nearest whole number of respondents to each
published share of its denominator -- not by hoping random sampling lands on the figures. The
seed only decides *which* respondents receive each attribute, so the figures hold for any seed
and any n from about 1,000. Attributes the essay does not publish (region, profession, age
within its bands ...) are drawn at random, leaning on the ones already given so that the data
hang together: NHS employees mostly have an NHS employer, honoraries mostly an honorary
contract and little pay, people over 57 are likelier to want to retire.

Everything is built column by column with numpy, so a million respondents take seconds.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import polars as pl

from freeassoc.surveys import instrument as instruments
from freeassoc.surveys.instrument import PREFER_NOT

INSTRUMENT = ("surviving-work", 1)

IAPT_CODES = ("employed", "subcontracted", "sessional", "honorary")

COMMENTS = (
    "[Synthetic demo answer] My caseload went up again this year.",
    "[Synthetic demo answer] I would like more time for supervision.",
    "[Synthetic demo answer] Travel between sites is unpaid.",
    "[Synthetic demo answer] Sessions are cancelled at short notice and not paid.",
    "[Synthetic demo answer] The targets change every few months.",
    "[Synthetic demo answer] I enjoy the work but cannot afford to stay.",
)


def _unset(column: np.ndarray) -> np.ndarray:
    return column == None  # noqa: E711 - element-wise on an object array, not an identity test


def _quota(share: float, base: int) -> int:
    """The nearest whole number of respondents to `share` of `base` (halves round up), so
    quota / base rounds back to `share` whenever base is more than about fifty."""
    return int(np.floor(share * base + 0.5))


class _Allocator:
    def __init__(self, n: int, seed: int):
        self.n = n
        self.rng = np.random.default_rng(seed)

    def pick(self, eligible: np.ndarray, k: int, weight: np.ndarray | None = None) -> np.ndarray:
        """Exactly k of the eligible rows, as a mask: weighted sampling without replacement
        (the Gumbel top-k trick), so a quota is met exactly and heavier rows are likelier."""
        rows = np.flatnonzero(eligible)
        if k > len(rows):
            raise ValueError(f"a quota of {k} cannot be met from {len(rows)} eligible rows")
        chosen = np.zeros(self.n, dtype=bool)
        if k <= 0:
            return chosen
        w = np.ones(len(rows)) if weight is None else np.asarray(weight, dtype=float)[rows]
        keys = np.log(w) + self.rng.gumbel(size=len(rows))
        chosen[rows[np.argpartition(-keys, k - 1)[:k]]] = True
        return chosen

    def draw(self, mask: np.ndarray, codes: dict[Any, float]) -> np.ndarray:
        """One code per masked row, drawn with the given probabilities (which are normalised)."""
        p = np.array(list(codes.values()), dtype=float)
        return self.rng.choice(
            np.array(list(codes), dtype=object), size=int(mask.sum()), p=p / p.sum()
        )

    def assign(self, column: np.ndarray, mask: np.ndarray, codes: dict[str, float]) -> None:
        column[mask] = self.draw(mask, codes)

    def chance(self, p: float | np.ndarray) -> np.ndarray:
        return self.rng.random(self.n) < p


# A multiple-choice answer is kept as a bit mask over its codes, in this order; an unanswered
# number or multiple-choice question as ABSENT, a sensitive number declined as DECLINED. Whole
# columns of small integers, not a million Python lists, are what make a million answers quick.
MULTIPLE = {
    "roles": ("supervision", "teaching", "lead", "management", "specialist", "none"),
    "modality": (
        "cbt", "psychodynamic", "humanistic", "integrative", "systemic", "arts",
        "low_intensity", "nursing_care", "other",
    ),
    "registrations": (
        "ukcp", "bacp", "bpc", "babcp", "hcpc", "nmc", "gmc", "bps", "other", "none",
    ),
    "iapt_training": ("hi_cbt", "pwp", "counselling_depression", "other", "none"),
    "raised_concerns": ("conditions", "patient_care", "data", "none"),
    "talked_to": (
        "colleague", "manager", "supervisor", "union", "professional_body", "friends_family",
        "nobody",
    ),
}  # fmt: skip
ABSENT, DECLINED = -1, -2


def _multi(question: str, ticks: dict[str, np.ndarray], answered: np.ndarray) -> np.ndarray:
    """Bit masks from one boolean array per code. A row that answered but ticked nothing gets
    the question's last code: the exclusive 'none' or 'nobody' (or 'other', for modality,
    which has no exclusive option)."""
    codes = MULTIPLE[question]
    mask = np.zeros(len(answered), dtype=np.int64)
    for bit, code in enumerate(codes[:-1]):
        if code in ticks:
            mask |= ticks[code].astype(np.int64) << bit
    mask = np.where(mask == 0, 1 << (len(codes) - 1), mask)
    return np.where(answered, mask, ABSENT)


def _ticked_lists(question: str) -> list[list[str]]:
    """Every possible answer to a multiple-choice question, indexed by its bit mask."""
    codes = MULTIPLE[question]
    return [[c for bit, c in enumerate(codes) if m >> bit & 1] for m in range(1 << len(codes))]


def _columns(n: int, seed: int) -> dict[str, np.ndarray]:
    """Each question's answers as an object array; None is an unanswered question."""
    if n < 50:
        raise ValueError("the synthetic survey needs at least 50 respondents")
    a = _Allocator(n, seed)
    everyone = np.ones(n, dtype=bool)
    nobody = np.zeros(n, dtype=bool)

    def column() -> np.ndarray:
        return np.full(n, None, dtype=object)

    # -- NHS Talking Therapies (IAPT): 23% within, 13% employees, 20% of those within honorary.
    n_iapt = _quota(0.23, n)
    iapt = a.pick(everyone, n_iapt)
    iapt_emp = a.pick(iapt, _quota(0.13, n))
    iapt_hon = a.pick(iapt & ~iapt_emp, _quota(0.20, n_iapt))
    rest = iapt & ~iapt_emp & ~iapt_hon
    iapt_sub = rest & a.chance(0.6)
    iapt_ses = rest & ~iapt_sub
    iapt_relation = np.full(n, "no", dtype=object)
    for code, mask in zip(IAPT_CODES, (iapt_emp, iapt_sub, iapt_ses, iapt_hon), strict=True):
        iapt_relation[mask] = code

    # -- NHS work: 74%. Everyone within IAPT works for the NHS, directly or by contract.
    n_nhs = _quota(0.74, n)
    nhs_other = a.pick(~iapt, n_nhs - n_iapt)
    contracted_other = a.pick(nhs_other, _quota(0.28, int(nhs_other.sum())))
    hon_contracted = iapt_hon & a.chance(0.5)
    nhs_any = iapt | nhs_other
    contracted = contracted_other | iapt_sub | iapt_ses | hon_contracted
    direct = nhs_any & ~contracted
    nhs_work = np.full(n, "no", dtype=object)
    nhs_work[direct] = "direct"
    nhs_work[contracted] = "contracted"
    non_nhs = ~nhs_any

    # -- Honoraries: 10% of respondents (not published); half in the third sector, 45% in
    # the NHS, a third not in training. IAPT honoraries are honoraries.
    n_hon = _quota(0.10, n)
    honorary_mask = iapt_hon | a.pick(~iapt_hon, n_hon - int(iapt_hon.sum()))
    honorary = np.where(honorary_mask, "yes", "no").astype(object)
    hon_nhs = a.pick(honorary_mask & nhs_any, _quota(0.45, n_hon), np.where(iapt_hon, 20.0, 1.0))
    hon_third = a.pick(honorary_mask & ~hon_nhs, _quota(0.50, n_hon))
    honorary_sector = column()
    honorary_sector[hon_nhs] = "nhs"
    honorary_sector[hon_third] = "third_sector"
    a.assign(honorary_sector, honorary_mask & ~hon_nhs & ~hon_third, {"private": 1, "other": 1})
    hon_not_trainee = a.pick(honorary_mask, _quota(0.33, n_hon))
    trainee = (honorary_mask & ~hon_not_trainee) | (~honorary_mask & a.chance(0.04))
    in_training = np.where(trainee, "yes", "no").astype(object)

    # -- Hours: 29% part-time, of whom 59% work for the NHS.
    n_pt = _quota(0.29, n)
    n_pt_nhs = _quota(0.59, n_pt)
    pt_weight = np.where(honorary_mask, 4.0, 1.0) * np.where(iapt_ses | contracted, 2.0, 1.0)
    part_time = a.pick(nhs_any, n_pt_nhs, pt_weight) | a.pick(non_nhs, n_pt - n_pt_nhs, pt_weight)
    hours = np.where(part_time, "part_time", "full_time").astype(object)

    # -- Contract: 30% self-employed (38% of part-timers), 8% don't know; honoraries mostly
    # honorary; NHS and IAPT employees never self-employed.
    contract = column()
    contract[iapt_hon] = "honorary"
    n_se = _quota(0.30, n)
    n_se_pt = _quota(0.38, n_pt)
    se_ok = ~iapt_emp & ~iapt_sub & ~iapt_hon & ~direct
    se_weight = np.select([non_nhs, iapt_ses], [6.0, 4.0], 2.0) * np.where(honorary_mask, 0.3, 1)
    self_emp = a.pick(se_ok & part_time, n_se_pt, se_weight)
    self_emp |= a.pick(se_ok & ~part_time, n_se - n_se_pt, se_weight)
    contract[self_emp] = "self_employed"
    contract[honorary_mask & _unset(contract) & a.chance(0.6)] = "honorary"
    open_ = _unset(contract) & ~iapt_emp
    dk_weight = np.where(contracted | non_nhs, 2.0, 0.5)
    contract[a.pick(open_, _quota(0.08, n), dk_weight)] = "dont_know"
    open_ = _unset(contract)
    a.assign(contract, open_ & iapt_emp, {"permanent": 0.8, "fixed_term": 0.2})
    a.assign(
        contract,
        open_ & direct & ~iapt_emp,
        {"permanent": 0.65, "fixed_term": 0.2, "zero_hours": 0.15},
    )
    a.assign(contract, _unset(contract), {"permanent": 0.45, "fixed_term": 0.2, "zero_hours": 0.35})

    # -- Employer: 20% name themselves, all of them on a self-employed contract.
    employer = column()
    emp_se = a.pick(contract == "self_employed", _quota(0.20, n), np.where(non_nhs, 3.0, 1.0))
    employer[emp_se] = "self_employed"
    employer[iapt_emp] = "nhs"
    hosted = (contract == "honorary") & _unset(employer)
    host = {"nhs": "nhs", "third_sector": "third_sector", "private": "private", "other": "other"}
    employer[hosted] = [host[s] for s in honorary_sector[hosted]]
    # Universities and colleges employ a few, part-time as often as not: enough that every
    # cell of the part-time by sector comparison clears the disclosure threshold.
    todo = _unset(employer) & ~direct & ~iapt
    employer[a.pick(todo & part_time, _quota(0.02, n))] = "education"
    employer[a.pick(todo & ~part_time, _quota(0.03, n))] = "education"
    todo = _unset(employer)
    a.assign(employer, todo & direct, {"nhs": 0.95, "education": 0.02, "other": 0.03})
    todo = _unset(employer)
    a.assign(
        employer,
        todo & (contract == "self_employed"),
        {"private": 5, "third_sector": 3, "dont_know": 1, "other": 1},
    )
    todo = _unset(employer)
    a.assign(
        employer,
        todo & (contract == "dont_know"),
        {"private": 4, "third_sector": 3, "dont_know": 3},
    )
    todo = _unset(employer)
    a.assign(employer, todo & nhs_any, {"third_sector": 0.5, "private": 0.45, "other": 0.05})
    todo = _unset(employer)
    a.assign(
        employer,
        todo,
        {"third_sector": 45, "private": 30, "education": 12, "other": 8, "dont_know": 5},
    )

    # -- Sector follows the employer.
    sector = column()
    for code in ("nhs", "third_sector", "private", "education"):
        sector[employer == code] = code
    a.assign(sector, (employer == "self_employed") & nhs_any, {"nhs": 0.4, "private_practice": 0.6})
    a.assign(
        sector, (employer == "self_employed") & non_nhs, {"private_practice": 0.9, "other": 0.1}
    )
    a.assign(sector, _unset(sector), {"other": 0.5, "private": 0.3, "third_sector": 0.2})

    # -- Written contract: 8% have none, mostly the insecurely employed.
    no_written = a.pick(
        everyone,
        _quota(0.08, n),
        np.select(
            [contract == "dont_know", contract == "zero_hours", contract == "honorary",
             contract == "self_employed", contract == "fixed_term"],
            [6.0, 3.0, 2.0, 2.0, 0.7], 0.3,
        ),
    )  # fmt: skip
    written_contract = np.where(no_written, "no", "yes").astype(object)
    written_contract[~no_written & (contract == "dont_know") & a.chance(0.2)] = "dont_know"

    # -- Employers: 22% of NHS workers have more than one.
    multi = a.pick(nhs_any, _quota(0.22, n_nhs), np.where(contracted | self_emp, 3.0, 1.0))
    employer_count = np.ones(n, dtype=np.int64)
    employer_count[multi] = a.draw(multi, {2: 0.65, 3: 0.25, 4: 0.1}).astype(np.int64)
    extra = non_nhs & self_emp
    employer_count[extra] = a.draw(extra, {1: 0.5, 2: 0.3, 3: 0.2}).astype(np.int64)
    unpaid_only = non_nhs & (contract == "honorary")
    employer_count[unpaid_only] = a.draw(unpaid_only, {0: 0.5, 1: 0.5}).astype(np.int64)

    # -- Profession, roles and registrations. In IAPT, 48% work below their qualification:
    # registered with a psychotherapeutic body (or a doctor or psychoanalyst) without being
    # a psychotherapist or a counsellor with an added role.
    profession = column()
    below = a.pick(iapt, _quota(0.48, n_iapt))
    above = iapt & ~below
    a.assign(profession, below & iapt_emp, {"cbt_therapist": 0.55, "pwp": 0.35, "counsellor": 0.10})
    a.assign(
        profession,
        below & (iapt_sub | iapt_ses),
        {"counsellor": 0.5, "cbt_therapist": 0.35, "pwp": 0.15},
    )
    a.assign(profession, below & iapt_hon, {"counsellor": 0.85, "cbt_therapist": 0.15})
    a.assign(
        profession,
        above & iapt_emp,
        {
            "pwp": 0.45,
            "cbt_therapist": 0.2,
            "clinical_psychologist": 0.15,
            "psychotherapist": 0.1,
            "counsellor": 0.1,
        },
    )
    a.assign(
        profession,
        above & (iapt_sub | iapt_ses),
        {"counsellor": 0.4, "psychotherapist": 0.3, "pwp": 0.15, "clinical_psychologist": 0.15},
    )
    a.assign(profession, above & iapt_hon, {"counsellor": 0.7, "psychotherapist": 0.3})
    other_hon = honorary_mask & ~iapt
    a.assign(profession, other_hon, {"counsellor": 0.6, "psychotherapist": 0.3, "other": 0.1})
    rest = _unset(profession) & direct
    a.assign(profession, rest, {
        "nurse": 28, "clinical_psychologist": 14, "doctor": 9, "support_worker": 12,
        "psychotherapist": 8, "counsellor": 7, "cbt_therapist": 6, "social_worker": 7,
        "manager": 5, "other": 4,
    })  # fmt: skip
    rest = _unset(profession) & contracted
    a.assign(profession, rest, {
        "counsellor": 30, "psychotherapist": 20, "cbt_therapist": 12, "clinical_psychologist": 10,
        "support_worker": 10, "other": 8, "nurse": 5, "social_worker": 5,
    })  # fmt: skip
    a.assign(profession, _unset(profession), {
        "counsellor": 42, "psychotherapist": 30, "psychoanalyst": 10, "clinical_psychologist": 5,
        "support_worker": 4, "cbt_therapist": 3, "manager": 2, "other": 4,
    })  # fmt: skip

    def is_(code: str) -> np.ndarray:
        return profession == code

    # Added roles: none for counsellors below their qualification (that is what puts them
    # below it); counsellors above it in IAPT always have one.
    role_ticks = {
        "supervision": a.chance(0.18), "teaching": a.chance(0.10), "lead": a.chance(0.07),
        "management": a.chance(0.05) | is_("manager"), "specialist": a.chance(0.08),
    }  # fmt: skip
    lead_added = above & is_("counsellor")
    role_ticks["supervision"] |= lead_added & a.chance(0.6)
    role_ticks["lead"] |= lead_added & ~role_ticks["supervision"]
    for code in role_ticks:
        role_ticks[code] &= ~(below & is_("counsellor"))
    roles = _multi("roles", role_ticks, ~a.chance(0.08) | lead_added)

    # Registrations: below-qualification IAPT workers always hold a psychotherapeutic one;
    # PWPs and CBT therapists above it never do (psychotherapists and counsellors with a role
    # are clinically senior whatever they hold).
    psy_body = ("ukcp", "bacp", "bpc", "babcp")
    reg = {code: nobody.copy() for code in (*psy_body, "hcpc", "nmc", "gmc", "bps", "other")}
    p = a.rng.random(n)
    reg["bacp"] |= (is_("counsellor") & (p < 0.8)) | (is_("psychotherapist") & (p < 0.3))
    reg["bacp"] |= is_("pwp") & below & (p < 0.7)
    reg["ukcp"] |= (is_("counsellor") & (p >= 0.8)) | (is_("psychotherapist") & (p >= 0.25))
    reg["ukcp"] |= is_("pwp") & below & (p >= 0.7)
    reg["bpc"] |= is_("psychoanalyst") | (is_("psychotherapist") & (p > 0.9))
    reg["babcp"] |= is_("cbt_therapist") & (below | (p < 0.2))
    reg["hcpc"] |= is_("clinical_psychologist") | (
        is_("cbt_therapist") & ~below & (p >= 0.2) & (p < 0.6)
    )
    reg["bps"] |= is_("clinical_psychologist") & (p < 0.7)
    reg["bps"] |= is_("pwp") & ~below & (p < 0.3)
    reg["gmc"] |= is_("doctor")
    reg["nmc"] |= is_("nurse")
    reg["other"] |= is_("social_worker") | (is_("other") & (p < 0.4))
    # Trainee honoraries above their qualification in IAPT are not registered yet.
    unregistered = above & iapt_hon & is_("counsellor")
    for code in psy_body:
        reg[code] &= ~unregistered
    # An IAPT PWP or CBT therapist above their qualification holds no psychotherapeutic
    # registration, by the definition of the indicator.
    for code in ("ukcp", "bacp", "bpc"):
        reg[code] &= ~(above & (is_("pwp") | is_("cbt_therapist")))
    reg["babcp"] &= ~(above & is_("pwp"))
    reg["babcp"] &= ~(above & is_("cbt_therapist"))
    registrations = _multi("registrations", reg, ~a.chance(0.05) | below)

    modal_ticks = {
        "cbt": is_("cbt_therapist") | (is_("clinical_psychologist") & a.chance(0.7)),
        "psychodynamic": is_("psychoanalyst") | (is_("psychotherapist") & a.chance(0.5)),
        "humanistic": (is_("counsellor") & a.chance(0.6))
        | (is_("psychotherapist") & a.chance(0.3)),
        "integrative": (is_("counsellor") | is_("psychotherapist")) & a.chance(0.4),
        "systemic": (is_("clinical_psychologist") | is_("social_worker")) & a.chance(0.3),
        "arts": is_("other") & a.chance(0.3),
        "low_intensity": is_("pwp"),
        "nursing_care": is_("nurse") | is_("doctor"),
    }
    modality = _multi("modality", modal_ticks, ~a.chance(0.06))

    # -- NHS band, for NHS workers only, by profession.
    nhs_band = column()
    bands = {
        "support_worker": {"band_2_3": 0.6, "band_4": 0.4},
        "pwp": {"band_4": 0.3, "band_5": 0.7},
        "nurse": {"band_5": 0.4, "band_6": 0.4, "band_7": 0.2},
        "social_worker": {"band_6": 0.6, "band_7": 0.4},
        "cbt_therapist": {"band_6": 0.3, "band_7": 0.7},
        "counsellor": {"band_5": 0.3, "band_6": 0.5, "band_7": 0.2},
        "psychotherapist": {"band_7": 0.5, "band_8a": 0.5},
        "clinical_psychologist": {"band_7": 0.3, "band_8a": 0.5, "band_8b_plus": 0.2},
        "manager": {"band_7": 0.4, "band_8a": 0.4, "band_8b_plus": 0.2},
        "doctor": {"not_afc": 1.0},
    }
    for code, dist in bands.items():
        a.assign(nhs_band, direct & is_(code), dist)
    a.assign(nhs_band, _unset(nhs_band) & nhs_any, {"not_afc": 0.7, "dont_know": 0.3})
    nhs_band[~nhs_any | a.chance(0.12)] = None

    # -- IAPT detail: 78% held a postgraduate qualification before, 25% trained in-house in
    # High Intensity CBT.
    postgrad = a.pick(iapt, _quota(0.78, n_iapt), np.select([below, is_("pwp")], [4.0, 0.3], 2.0))
    iapt_postgrad_before = column()
    iapt_postgrad_before[iapt] = np.where(postgrad[iapt], "yes", "no").astype(object)
    hi_cbt = a.pick(iapt, _quota(0.25, n_iapt), np.where(is_("cbt_therapist"), 40.0, 0.3))
    iapt_training = _multi(
        "iapt_training",
        {
            "hi_cbt": hi_cbt,
            "pwp": is_("pwp") & a.chance(0.9),
            "counselling_depression": is_("counsellor") & a.chance(0.5),
            "other": a.chance(0.1),
        },
        iapt & (~a.chance(0.1) | hi_cbt),
    )
    patients_per_day = np.where(iapt_hon, a.rng.integers(1, 5, n), a.rng.integers(4, 10, n))
    patients_per_day[~iapt | a.chance(0.1)] = ABSENT

    # -- Pay: 7% prefer not to say, 3% skip it. Of those who state it, 18% take home under
    # £300 a week and the median falls in £400 to £499. Bands go by a pay score, so the
    # honoraries and part-timers hold the low bands and doctors the high ones.
    pay_pn = a.pick(everyone, _quota(0.07, n), np.where(self_emp, 2.0, 1.0))
    pay_skip = a.pick(~pay_pn, _quota(0.03, n))
    stated = ~pay_pn & ~pay_skip
    n_stated = int(stated.sum())
    score = a.rng.normal(0, 1, n)
    score += np.select([contract == "honorary", part_time], [-3.0, -1.2], 0.0)
    score += np.where(direct, 0.4, 0.0) + np.select(
        [is_("doctor"), is_("clinical_psychologist"), is_("manager"), is_("support_worker"),
         is_("pwp")],
        [2.0, 1.0, 0.8, -0.8, -0.4], 0.0,
    )  # fmt: skip
    bands_under_300 = _quota(0.18, n_stated)
    pay_quotas = {
        "under_100": _quota(0.052, n_stated),
        "p100_199": _quota(0.05, n_stated),
        "p200_299": None,
        "p300_399": _quota(0.207, n_stated),
        "p400_499": _quota(0.185, n_stated),
        "p500_599": _quota(0.17, n_stated),
        "p600_799": _quota(0.161, n_stated),
        "p800_plus": None,
    }
    pay_quotas["p200_299"] = bands_under_300 - pay_quotas["under_100"] - pay_quotas["p100_199"]
    pay_quotas["p800_plus"] = n_stated - sum(v for v in pay_quotas.values() if v)
    ranked = np.flatnonzero(stated)[np.argsort(score[stated], kind="stable")]
    weekly_pay = column()
    weekly_pay[pay_pn] = PREFER_NOT
    start = 0
    for code, count in pay_quotas.items():
        weekly_pay[ranked[start : start + count]] = code
        start += count

    # -- Unpaid work: 21% work 1 to 35 hours a week unpaid; every honorary does.
    unpaid_hours = np.zeros(n, dtype=np.int64)
    unpaid_hours[honorary_mask] = a.rng.integers(4, 31, n)[honorary_mask]
    some = a.pick(~honorary_mask, _quota(0.21, n) - n_hon, np.where(nhs_any, 1.5, 1.0))
    unpaid_hours[some] = a.rng.integers(1, 11, n)[some]
    lots = a.pick(unpaid_hours == 0, _quota(0.005, n))
    unpaid_hours[lots] = a.rng.integers(36, 51, n)[lots]

    # -- Age: 3% prefer not to say, 2% skip it; 60% over 47, 21% over 57, 19% under 37.
    # Bands go by an age score: PWPs young, psychoanalysts old.
    age_pn = a.pick(everyone, _quota(0.03, n))
    age_skip = a.pick(~age_pn, _quota(0.02, n))
    known = ~age_pn & ~age_skip
    score = a.rng.normal(0, 1, n)
    score += np.select(
        [is_("pwp"), is_("support_worker"), is_("psychoanalyst"), is_("psychotherapist"), lots],
        [-1.5, -0.7, 1.2, 0.6, 2.0], 0.0,
    )  # fmt: skip
    ranked = np.flatnonzero(known)[np.argsort(score[known], kind="stable")]
    n_under_37, n_over_47, n_over_57 = _quota(0.19, n), _quota(0.60, n), _quota(0.21, n)
    n_37_47 = len(ranked) - n_under_37 - n_over_47
    age_group = np.full(n, -1)
    cuts = np.cumsum([0, n_under_37, n_37_47, n_over_47 - n_over_57, n_over_57])
    for group, (lo, hi) in enumerate(zip(cuts[:-1], cuts[1:], strict=True)):
        age_group[ranked[lo:hi]] = group
    low, high = np.array([22, 37, 48, 58]), np.array([37, 48, 58, 76])
    ages = a.rng.integers(low[age_group.clip(0)], high[age_group.clip(0)])
    age = np.where(age_pn, DECLINED, np.where(age_skip, ABSENT, ages))

    # -- Raising concerns: in IAPT 55% about conditions and 58% about patient care; 36%
    # and 38% of everyone.
    cond = a.pick(iapt, _quota(0.55, n_iapt)) | a.pick(
        ~iapt, _quota(0.36, n) - _quota(0.55, n_iapt), np.where(nhs_any, 1.5, 0.6)
    )
    care_weight = np.where(cond, 3.0, 1.0)
    care = a.pick(iapt, _quota(0.58, n_iapt), care_weight) | a.pick(
        ~iapt, _quota(0.38, n) - _quota(0.58, n_iapt), care_weight
    )
    data = a.chance(np.select([iapt, nhs_any], [0.2, 0.05], 0.02))
    raised_concerns = _multi(
        "raised_concerns", {"conditions": cond, "patient_care": care, "data": data}, everyone
    )

    # -- Talking about problems: outside the NHS, 4% have talked to a colleague.
    colleague = a.pick(non_nhs, _quota(0.04, int(non_nhs.sum()))) | (nhs_any & a.chance(0.6))
    talked_to = _multi(
        "talked_to",
        {
            "colleague": colleague,
            "manager": a.chance(np.where(nhs_any, 0.45, 0.05)),
            "supervisor": a.chance(0.45),
            "union": a.chance(np.where(nhs_any, 0.1, 0.02)),
            "professional_body": a.chance(np.where(nhs_any, 0.05, 0.12)),
            "friends_family": a.chance(np.where(nhs_any, 0.35, 0.5)),
        },
        everyone,
    )

    # -- What would most improve working life: a third would retire, mostly the oldest.
    retire = a.pick(everyone, _quota(0.33, n), np.choose(age_group + 1, [1.0, 0.1, 0.4, 2.5, 8.0]))
    best_improvement = column()
    best_improvement[retire] = "retire"
    a.assign(
        best_improvement,
        ~retire & iapt,
        {"caseload": 4, "pay": 2, "autonomy": 3, "security": 1, "leave": 1},
    )
    a.assign(best_improvement, ~retire & ~iapt, {
        "pay": 30, "security": 15, "caseload": 12, "autonomy": 15, "supervision": 10,
        "leave": 10, "other": 8,
    })  # fmt: skip

    union_member = column()
    a.assign(
        union_member,
        nhs_any,
        {"unison": 35, "rcn": 8, "unite": 8, "bma": 3, "pcu": 4, "other": 5, "none": 37},
    )
    a.assign(union_member, non_nhs, {"none": 70, "pcu": 12, "unite": 5, "unison": 5, "other": 8})
    union_member[is_("doctor") & (union_member != "none")] = "bma"
    union_member[a.chance(0.06)] = PREFER_NOT
    union_member[a.chance(0.12)] = None

    region = column()
    a.assign(region, everyone, {
        "london": 18, "south_east": 14, "south_west": 9, "east": 8, "east_midlands": 6,
        "west_midlands": 8, "yorkshire": 8, "north_west": 11, "north_east": 4, "wales": 5,
        "scotland": 6.5, "northern_ireland": 2.5,
    })  # fmt: skip
    region[a.chance(0.015)] = PREFER_NOT
    region[a.chance(0.01)] = None

    comments = column()
    a.assign(comments, a.chance(0.06), dict.fromkeys(COMMENTS, 1.0))

    cols = {
        "nhs_work": nhs_work, "employer": employer, "sector": sector,
        "employer_count": employer_count, "contract": contract,
        "written_contract": written_contract, "hours": hours, "profession": profession,
        "roles": roles, "modality": modality, "registrations": registrations,
        "in_training": in_training, "nhs_band": nhs_band, "iapt_relation": iapt_relation,
        "iapt_postgrad_before": iapt_postgrad_before, "iapt_training": iapt_training,
        "patients_per_day": patients_per_day, "weekly_pay": weekly_pay,
        "unpaid_hours": unpaid_hours, "honorary": honorary,
        "honorary_sector": honorary_sector, "raised_concerns": raised_concerns,
        "talked_to": talked_to, "union_member": union_member,
        "best_improvement": best_improvement, "age": age, "region": region, "comments": comments,
    }  # fmt: skip
    # Every choice above was made by rows picked at random, but shuffle once more so that
    # the row order itself carries nothing.
    order = a.rng.permutation(n)
    return {q: cols[q][order] for q in instruments.get(*INSTRUMENT).questions}


def _python_column(question: str, kind: str, column: np.ndarray) -> list:
    if kind == "multiple":
        lists = np.empty((1 << len(MULTIPLE[question])) + 1, dtype=object)
        lists[:-1] = _ticked_lists(question)  # a mask of ABSENT (-1) picks the None at the end
        return lists[column].tolist()
    if kind == "number":
        return [v if v >= 0 else (PREFER_NOT if v == DECLINED else None) for v in column.tolist()]
    return column.tolist()


def generate_answers(n: int = 1500, seed: int = 2017) -> list[dict]:
    """n synthetic answer dicts, valid against Surviving Work v1, reproducing the essay."""
    questions = instruments.get(*INSTRUMENT).questions
    columns = [
        (q, _python_column(q, questions[q].type, column)) for q, column in _columns(n, seed).items()
    ]
    answers = []
    for i in range(n):
        row = {}
        for q, values in columns:
            value = values[i]
            if value is not None:
                # Lists are shared between rows: give each answer its own.
                row[q] = list(value) if isinstance(value, list) else value
        answers.append(row)
    return answers


def generate_json(n: int = 1500, seed: int = 2017) -> pl.Series:
    """The same answers as JSON text, as Django's JSONField writes it (json.dumps), built a
    column at a time in polars: a million rows take seconds, not minutes. For bulk loading."""
    questions = instruments.get(*INSTRUMENT).questions
    parts = []
    for q, column in _columns(n, seed).items():
        kind = questions[q].type
        if kind == "multiple":
            table = pl.Series([f'"{q}": {json.dumps(t)}' for t in _ticked_lists(q)])
            parts.append(table.gather(pl.Series(column).replace(ABSENT, None)).alias(q))
        elif kind == "number":
            values = pl.Series(q, column)
            parts.append(
                pl.select(
                    pl.when(values >= 0)
                    .then(pl.format(f'"{q}": {{}}', values))
                    .when(values == DECLINED)
                    .then(pl.lit(f'"{q}": "{PREFER_NOT}"'))
                ).to_series()
            )
        else:
            values = pl.Series(q, column.tolist(), dtype=pl.String)
            distinct = values.drop_nulls().unique().to_list()
            encoded = [f'"{q}": {json.dumps(v)}' for v in distinct]
            parts.append(values.replace_strict(distinct, encoded, default=None))
    frame = pl.DataFrame(parts)
    body = pl.concat_str(pl.all(), separator=", ", ignore_nulls=True)
    return frame.select(pl.concat_str(pl.lit("{"), body, pl.lit("}")).alias("answers")).to_series()
