"""What organiser pages read about surveys."""

from django.db.models import Count

from freeassoc.orgs.models import Membership

from .models import HeldAnswers, Response, Survey


def surveys_for_user(user):
    return (
        Survey.objects.filter(organisation__members__user=user)
        .select_related("organisation")
        .annotate(response_count=Count("responses"))
        .order_by("organisation__name", "-created_on", "title")
    )


def memberships_for_user(user):
    return Membership.objects.filter(user=user).select_related("organisation")


def responses_per_day(survey: Survey) -> list[dict]:
    """Responses by the day they were added: web and API answers arrive in groups of at
    least k, each group stamped with its day, so this counts groups' days, not answering."""
    rows = list(
        Response.objects.filter(survey=survey)
        .values("submitted_on")
        .annotate(count=Count("id"))
        .order_by("-submitted_on")[:60]
    )
    peak = max((r["count"] for r in rows), default=0)
    return [{**r, "peak": peak} for r in rows]


def collectors_with_counts(survey: Survey) -> list:
    """The survey's collectors, each with `used` (invitations used) and `used_below_k` (True
    while fewer than k are used: the page then says only "fewer than k", so that a collector
    made for one person does not say whether that person has started)."""
    collectors = list(survey.collectors.annotate(unspent=Count("tokens")).order_by("pk"))
    for collector in collectors:
        collector.used = max(0, collector.invitations_issued - collector.unspent)
        collector.used_below_k = collector.used < survey.disclosure_k
    return collectors


def answers_stored(survey: Survey) -> int:
    """Every completed questionnaire kept for the survey: added (Responses) and held. For
    tests and load checks that count what was sent; never for a page, where the held count
    would date each answer."""
    return (
        Response.objects.filter(survey=survey).count()
        + HeldAnswers.objects.filter(survey=survey).count()
    )


def survey_by_number_or_title(key: str) -> Survey:
    """A survey named on the command line by its number or its exact title (any case).
    Raises LookupError with a sentence to show when none or several match."""
    key = key.strip()
    if key.isdigit() and (found := Survey.objects.filter(pk=int(key)).first()):
        return found
    matches = list(Survey.objects.filter(title__iexact=key))
    if not matches:
        raise LookupError(f"No survey has the number or title '{key}'.")
    if len(matches) > 1:
        numbers = ", ".join(str(s.pk) for s in matches)
        raise LookupError(
            f"{len(matches)} surveys are called '{key}'; name one by number: {numbers}."
        )
    return matches[0]
