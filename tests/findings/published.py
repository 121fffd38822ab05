"""The essay's published figures (INDICATORS.md), and each indicator's definition written again
in plain Python, straight from INDICATORS.md, independently of the engine's YAML and polars.

Tests check both the engine and this plain reading against the published figures, so a mistake
in the definitions file, in the engine or in the synthetic data cannot hide behind another.
"""

from collections.abc import Callable

Answers = dict
Predicate = Callable[[Answers], bool]

# id -> published per cent, from the table in INDICATORS.md.
PUBLISHED = {
    "nhs_any": 74,
    "self_employed_by_employer": 20,
    "self_employed_by_contract": 30,
    "contract_unknown": 8,
    "no_written_contract": 8,
    "iapt_employed": 13,
    "iapt_within": 23,
    "iapt_honorary": 20,
    "nhs_multiple_employers": 22,
    "part_time": 29,
    "part_time_nhs": 59,
    "part_time_self_employed": 38,
    "pay_under_300": 18,
    "honorary_third_sector": 50,
    "honorary_nhs": 45,
    "honorary_not_trainee": 33,
    "unwaged_hours": 21,
    "iapt_postgrad_before": 78,
    "iapt_inhouse_hi_cbt": 25,
    "iapt_below_qualification": 48,
    "concerns_conditions_iapt": 55,
    "concerns_conditions_all": 36,
    "concerns_care_iapt": 58,
    "concerns_care_all": 38,
    "age_over_47": 60,
    "age_over_57": 21,
    "age_under_37": 19,
    "best_improvement_retire": 33,
    "non_nhs_spoke_to_colleague": 4,
}
PUBLISHED_MEDIAN_PAY_BAND = "£400 to £499"  # the essay's "£400–£499"


def ticked(a: Answers, question: str, *codes: str) -> bool:
    value = a.get(question)
    return isinstance(value, list) and any(c in value for c in codes)


def is_(a: Answers, question: str, *codes: str) -> bool:
    return a.get(question) in codes


def number(a: Answers, question: str) -> int | None:
    value = a.get(question)
    return value if isinstance(value, int) else None


def nhs_any(a):
    return is_(a, "nhs_work", "direct", "contracted")


def iapt_within(a):
    return is_(a, "iapt_relation", "employed", "subcontracted", "sessional", "honorary")


def qualification_senior(a):
    return ticked(a, "registrations", "ukcp", "bacp", "bpc", "babcp") or is_(
        a, "profession", "doctor", "psychoanalyst"
    )


def clinical_senior(a):
    return is_(a, "profession", "psychotherapist") or (
        is_(a, "profession", "counsellor")
        and ticked(a, "roles", "supervision", "teaching", "lead", "management", "specialist")
    )


def part_time(a):
    return is_(a, "hours", "part_time")


def honorary(a):
    return is_(a, "honorary", "yes")


def states_pay(a):
    return "weekly_pay" in a and a["weekly_pay"] != "prefer_not"


def everyone(a):
    return True


def between(value: int | None, low: int, high: int) -> bool:
    return value is not None and low <= value <= high


# id -> (numerator, denominator)
DEFINITIONS: dict[str, tuple[Predicate, Predicate]] = {
    "nhs_any": (nhs_any, everyone),
    "self_employed_by_employer": (lambda a: is_(a, "employer", "self_employed"), everyone),
    "self_employed_by_contract": (lambda a: is_(a, "contract", "self_employed"), everyone),
    "contract_unknown": (lambda a: is_(a, "contract", "dont_know"), everyone),
    "no_written_contract": (lambda a: is_(a, "written_contract", "no"), everyone),
    "iapt_employed": (lambda a: is_(a, "iapt_relation", "employed"), everyone),
    "iapt_within": (iapt_within, everyone),
    "iapt_honorary": (lambda a: is_(a, "iapt_relation", "honorary"), iapt_within),
    "nhs_multiple_employers": (lambda a: (number(a, "employer_count") or 0) > 1, nhs_any),
    "part_time": (part_time, everyone),
    "part_time_nhs": (nhs_any, part_time),
    "part_time_self_employed": (lambda a: is_(a, "contract", "self_employed"), part_time),
    "pay_under_300": (
        lambda a: is_(a, "weekly_pay", "under_100", "p100_199", "p200_299"),
        states_pay,
    ),
    "honorary_third_sector": (lambda a: is_(a, "honorary_sector", "third_sector"), honorary),
    "honorary_nhs": (lambda a: is_(a, "honorary_sector", "nhs"), honorary),
    "honorary_not_trainee": (lambda a: is_(a, "in_training", "no"), honorary),
    "unwaged_hours": (lambda a: between(number(a, "unpaid_hours"), 1, 35), everyone),
    "iapt_postgrad_before": (lambda a: is_(a, "iapt_postgrad_before", "yes"), iapt_within),
    "iapt_inhouse_hi_cbt": (lambda a: ticked(a, "iapt_training", "hi_cbt"), iapt_within),
    "iapt_below_qualification": (
        lambda a: qualification_senior(a) and not clinical_senior(a),
        iapt_within,
    ),
    "concerns_conditions_iapt": (lambda a: ticked(a, "raised_concerns", "conditions"), iapt_within),
    "concerns_conditions_all": (lambda a: ticked(a, "raised_concerns", "conditions"), everyone),
    "concerns_care_iapt": (lambda a: ticked(a, "raised_concerns", "patient_care"), iapt_within),
    "concerns_care_all": (lambda a: ticked(a, "raised_concerns", "patient_care"), everyone),
    "age_over_47": (lambda a: (number(a, "age") or 0) > 47, everyone),
    "age_over_57": (lambda a: (number(a, "age") or 0) > 57, everyone),
    "age_under_37": (lambda a: number(a, "age") is not None and number(a, "age") < 37, everyone),
    "best_improvement_retire": (lambda a: is_(a, "best_improvement", "retire"), everyone),
    "non_nhs_spoke_to_colleague": (
        lambda a: ticked(a, "talked_to", "colleague"),
        lambda a: is_(a, "nhs_work", "no"),
    ),
}

PAY_BANDS = [
    ("under_100", "Under £100"),
    ("p100_199", "£100 to £199"),
    ("p200_299", "£200 to £299"),
    ("p300_399", "£300 to £399"),
    ("p400_499", "£400 to £499"),
    ("p500_599", "£500 to £599"),
    ("p600_799", "£600 to £799"),
    ("p800_plus", "£800 or more"),
]


def plain_count(answers: list[Answers], indicator: str) -> tuple[int, int]:
    numerator, denominator = DEFINITIONS[indicator]
    base = [a for a in answers if denominator(a)]
    return sum(1 for a in base if numerator(a)), len(base)


def plain_median_band(answers: list[Answers]) -> str:
    """The band holding the median of the stated bands (the lower median for an even count)."""
    order = {code: i for i, (code, _) in enumerate(PAY_BANDS)}
    stated = sorted(order[a["weekly_pay"]] for a in answers if states_pay(a))
    return PAY_BANDS[stated[(len(stated) - 1) // 2]][1]


def whole_percent(count: int, base: int) -> int:
    """Half up, as a reader rounds: 38.5% is 39%."""
    return int(count * 100 / base + 0.5)
