"""Walk a respondent through a survey with Django's test client, page by page."""

from freeassoc.surveys import instrument as instruments

# Answers a plausible IAPT counsellor would give, by question id; anything not named here gets
# its first option (or its minimum).
TYPICAL = {
    "nhs_work": "contracted",
    "employer": "third_sector",
    "iapt_relation": "employed",
    "employer_count": "2",
    "roles": ["supervision"],
    "registrations": ["bacp"],
    "honorary": "no",
    "raised_concerns": ["conditions", "patient_care"],
    "talked_to": ["colleague"],
    "age": "52",
    "comments": "",
}


def page_data(page, overrides=None) -> dict:
    chosen = {**TYPICAL, **(overrides or {})}
    data = {}
    for q in page.questions:
        if q.id in chosen:
            value = chosen[q.id]
        elif q.type in {"single", "pay_band"}:
            value = q.options[0].code
        elif q.type == "multiple":
            value = [q.options[0].code]
        elif q.type == "number":
            value = str(q.min)
        else:
            value = ""
        data[q.id] = value
    return data


def release(slug) -> int:
    """Add what the survey of link `slug` holds to its responses now, however few: sent
    answers wait for k others (services.held_release), and most tests send one."""
    from freeassoc.surveys import services  # here: the scenario script imports this module
    from freeassoc.surveys.models import Collector  # before Django is set up

    survey = Collector.objects.select_related("survey").get(slug=slug).survey
    return services.held_release(survey=survey, everything=True)


def complete(client, slug, overrides=None, *, release_now=True, **extra):
    """Start, answer every page the survey shows, and send; then, unless `release_now` is
    False, add the held answers to the responses (release). Returns the final response."""
    review = fill(client, slug, overrides, **extra)
    final = client.post(review, {"action": "submit"}, **extra)
    if release_now:
        release(slug)
    return final


def fill(client, slug, overrides=None, **extra) -> str:
    """Start and answer every page the survey shows; returns the review page's address."""
    intro = client.get(f"/s/{slug}/", **extra)
    assert intro.status_code == 200
    response = client.post(f"/s/{slug}/start/", **extra)
    assert response.status_code == 302, response.content[:500]
    instrument = instruments.get("surviving-work", 1)
    pages = {p.id: p for p in instrument.pages}
    while "/p/" in response["Location"]:
        page_id = response["Location"].rstrip("/").split("/")[-1]
        data = page_data(pages[page_id], overrides) | {"action": "next"}
        response = client.post(response["Location"], data, **extra)
        assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"].endswith("/review/")
    return response["Location"]
