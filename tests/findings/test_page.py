"""The findings page of a survey: who may read it, and that what it shows is what the JSON
says -- after disclosure control, the same for the organisation's analysts as for the public.
The figures are read back from the HTML tables as a reader sees them, not from the templates.
"""

import csv
import io
import json
import re

import pytest
from django.test import Client

from freeassoc.findings import engine
from freeassoc.orgs.models import Membership
from freeassoc.surveys.models import Response, Survey
from tests.auth import (
    member,  # noqa: F401 - used here and imported from here
    sign_in,
)

from .html_tables import interval, parse, to_number

pytestmark = pytest.mark.django_db


def fill(survey: Survey, answers: list[dict]) -> Survey:
    Response.objects.bulk_create(
        Response(survey=survey, instrument_version=1, submitted_on="2017-03-01", answers=a)
        for a in answers
    )
    return survey


@pytest.fixture
def results(survey, answers):
    """The test organisation's survey with the 1,500 synthetic answers, not yet published."""
    survey.is_synthetic = True
    survey.save()
    return fill(survey, answers)


def page_url(survey):
    return f"/findings/{survey.pk}/"


def public_urls(survey):
    return [
        page_url(survey),
        f"/findings/{survey.pk}/iapt_honorary/",
        f"/findings/{survey.pk}/findings.json",
        f"/findings/{survey.pk}/findings.csv",
        f"/findings/{survey.pk}/findings.pdf",
    ]


def signed_in(user) -> Client:
    client = Client()
    sign_in(client, user)
    return client


# --- Who may read it --------------------------------------------------------------------------


def test_nobody_outside_the_organisation_sees_unpublished_findings(results, outsider, org):
    delegate = member(org, "della", Membership.Role.DELEGATE)
    for client in (Client(), signed_in(outsider), signed_in(delegate)):
        for url in public_urls(results):
            assert client.get(url).status_code == 404, url


def test_the_organisations_analysts_see_them_before_publication_with_a_notice(results, analyst):
    client = signed_in(analyst)
    for url in public_urls(results):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "no-store", url
    html = client.get(page_url(results)).content.decode()
    assert "Not published — only your organisation sees this" in html
    assert "Publish the findings" not in html  # an analyst does not publish


def test_everyone_sees_them_once_published(results, outsider):
    results.published = True
    results.save()
    for client in (Client(), signed_in(outsider)):
        for url in public_urls(results):
            assert client.get(url).status_code == 200, url
    html = Client().get(page_url(results)).content.decode()
    assert "Not published" not in html


def test_a_survey_that_does_not_exist_is_a_404():
    assert Client().get("/findings/999999/").status_code == 404


def test_an_unknown_indicator_or_download_is_a_404(results):
    results.published = True
    results.save()
    client = Client()
    assert client.get(f"/findings/{results.pk}/no_such_thing/").status_code == 404
    assert client.get(f"/findings/{results.pk}/findings.xlsx").status_code == 404


# --- Publishing -------------------------------------------------------------------------------


def test_an_organiser_publishes_and_unpublishes(results, organiser):
    client = signed_in(organiser)
    html = client.get(page_url(results)).content.decode()
    assert "Publish the findings" in html
    response = client.post(f"/findings/{results.pk}/publish/", {"action": "publish"})
    assert response.status_code == 302
    results.refresh_from_db()
    assert results.published
    assert Client().get(page_url(results)).status_code == 200
    client.post(f"/findings/{results.pk}/publish/", {"action": "unpublish"})
    results.refresh_from_db()
    assert not results.published
    assert Client().get(page_url(results)).status_code == 404


def test_only_owners_and_organisers_publish(results, analyst, outsider):
    url = f"/findings/{results.pk}/publish/"
    assert signed_in(analyst).post(url, {"action": "publish"}).status_code == 403
    assert signed_in(outsider).post(url, {"action": "publish"}).status_code == 404
    anonymous = Client().post(url, {"action": "publish"})
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    results.refresh_from_db()
    assert not results.published


def test_publishing_needs_a_post_with_a_csrf_token(results, organiser):
    url = f"/findings/{results.pk}/publish/"
    assert signed_in(organiser).get(url).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    sign_in(strict, organiser)
    assert strict.post(url, {"action": "publish"}).status_code == 403
    results.refresh_from_db()
    assert not results.published


def test_a_bad_action_is_refused_with_a_message(results, organiser):
    client = signed_in(organiser)
    response = client.post(f"/findings/{results.pk}/publish/", {"action": "shout"}, follow=True)
    assert "Choose whether to publish or unpublish" in response.content.decode()
    results.refresh_from_db()
    assert not results.published


# --- What it shows ------------------------------------------------------------------------------


def _published(results):
    results.published = True
    results.save()
    client = Client()
    findings = json.loads(client.get(f"/findings/{results.pk}/findings.json").content)
    return client, findings


def _denominator(base: int, label: str) -> str:
    if label.startswith("all "):
        return f"Of all {base:,} {label[4:]}"
    return f"Of the {base:,} {label}"


def _check_row(cells: list[str], figure: dict, where: str):
    """Cells after the label and (where shown) the base: count, per cent, interval."""
    if figure["suppressed"]:
        assert cells == ["suppressed"], where
    elif figure["percent"] is None:
        assert to_number(cells[0]) == figure["count"], where
        assert "no percentage" in cells[1], where
    else:
        assert to_number(cells[0]) == figure["count"], where
        assert to_number(cells[1]) == figure["percent"], where
        assert interval(cells[2]) == (figure["ci_low"], figure["ci_high"]), where


def test_the_figures_on_the_page_are_the_jsons(results):
    client, findings = _published(results)
    page = parse(client.get(page_url(results)).content.decode())
    for ind in findings["indicators"]:
        cells = page.rows[f"row-{ind['id']}"]
        assert cells[0] == ind["label"]
        # Each figure's base is stated in words in the heading over its table.
        assert _denominator(ind["base"], ind["denominator_label"]) in page.headings
        if ind["kind"] == "median_band":
            assert to_number(cells[1]) == ind["base"]
            assert cells[2] == ind["value_label"]
        else:
            _check_row(cells[1:], ind, ind["id"])
    for comp in findings["comparisons"]:
        table = page.tables[f"{comp['id']}-table"]
        body = [row for row in table[1:] if len(row) > 1]
        expected = [cell for row in comp["rows"] for cell in row["cells"]]
        assert len(body) == len(expected)
        for cells, cell in zip(body, expected, strict=True):
            assert cells[0] == cell["label"]
            _check_row(cells[1:], {**cell, "suppressed": False}, comp["id"])
        for row in comp["rows"]:
            assert f"{row['label']}: {row['base']:,} people" in [r[0] for r in table]


def test_each_breakdown_on_an_indicator_page_is_the_jsons(results):
    client, findings = _published(results)
    for ident in ("iapt_honorary", "pay_under_300", "nhs_any"):
        ind = next(i for i in findings["indicators"] if i["id"] == ident)
        page = parse(client.get(f"/findings/{results.pk}/{ident}/").content.decode())
        assert set(ind["breakdowns"]) == {"region", "sector", "profession"}
        for question, breakdown in ind["breakdowns"].items():
            for cell in breakdown["cells"]:
                where = f"{ident} by {question}: {cell['code']}"
                cells = page.rows[f"{ident}-by-{question}-{cell['code']}"]
                assert cells[0] == cell["label"], where
                if cell["base"] is None:
                    assert cells[1] == "withheld", where
                else:
                    assert to_number(cells[1]) == cell["base"], where
                if cell["base"] == 0:
                    assert cells[2:] == ["0", "nobody in this group"], where
                else:
                    _check_row(cells[2:], cell, where)


def _a_suppressed_cell(survey, findings):
    """A suppressed breakdown cell, with its true count from the raw engine: one whose count
    differs from its base and is not zero, so that finding it printed would mean a leak."""
    report = engine.report_for_surveys([survey])
    for ind in findings["indicators"]:
        if ind["kind"] != "proportion":
            continue
        raw = report.indicator(ind["id"])
        for question, breakdown in ind["breakdowns"].items():
            start = report.groups.slices[question].start
            for i, cell in enumerate(breakdown["cells"]):
                true_count, true_base = int(raw.count[start + i]), int(raw.base[start + i])
                if cell["suppressed"] and cell["base"] and 0 < true_count < true_base:
                    return ind, question, cell, true_count, true_base
    raise AssertionError("no suppressed cell to test with")


def test_a_suppressed_cell_never_shows_its_number(results):
    client, findings = _published(results)
    ind, question, cell, true_count, true_base = _a_suppressed_cell(results, findings)
    true_percent = f"{100 * true_count / true_base:.1f}%"
    html = client.get(f"/findings/{results.pk}/{ind['id']}/").content.decode()
    page = parse(html)
    row = page.rows[f"{ind['id']}-by-{question}-{cell['code']}"]
    assert row == [cell["label"], f"{cell['base']:,}", "suppressed"]
    # The chart has no bar for it, and says so in words (never a zero).
    chart = next(s for s in page.svgs if f"by {question}" in s)
    assert re.search(re.escape(cell["label"]) + r" suppressed \(fewer than 10", chart)
    assert true_percent not in html
    # Nor in the CSV.
    rows = list(csv.DictReader(io.StringIO(client.get(f"/findings/{results.pk}/findings.csv")
                                           .content.decode())))  # fmt: skip
    [line] = [r for r in rows if r["id"] == ind["id"] and r["breakdown"] == question
              and r["group"] == cell["code"]]  # fmt: skip
    assert line["suppressed"] == "True"
    assert line["count"] == "" and line["percent"] == "" and line["ci_low"] == ""


def test_public_pages_offer_only_the_predefined_breakdowns(results):
    client, _ = _published(results)
    plain = client.get(f"/findings/{results.pk}/iapt_honorary/").content.decode()
    # A filter in the address changes nothing: there is no free filtering to difference.
    filtered = client.get(
        f"/findings/{results.pk}/iapt_honorary/", {"profession": "nurse", "region": "wales"}
    ).content.decode()
    assert parse(plain).rows == parse(filtered).rows
    headings = [h for h in parse(plain).headings if h.startswith("By ")]
    assert headings == ["By region", "By sector", "By profession"]


def test_analysts_see_the_same_figures_as_the_public(results, analyst):
    before = parse(signed_in(analyst).get(page_url(results)).content.decode())
    client, _ = _published(results)
    after = parse(client.get(page_url(results)).content.decode())
    assert before.tables == after.tables
    assert before.svgs == after.svgs


def test_comparisons_give_their_test_and_p_value_in_words(results):
    client, findings = _published(results)
    html = client.get(page_url(results)).content.decode()
    for comp in findings["comparisons"]:
        assert comp["test"] in html.replace("&#x27;", "'")
    assert "p &lt; 0.001" in html
    assert "strong evidence of a real difference" in html


def test_the_page_is_labelled_synthetic_and_links_the_rules_and_downloads(results):
    client, _ = _published(results)
    html = client.get(page_url(results)).content.decode()
    assert "Synthetic demo data: made up" in html
    downloads = [f"/findings/{results.pk}/findings.{fmt}" for fmt in ("pdf", "csv", "json")]
    for link in ["/findings/rules/", *downloads]:
        assert f'href="{link}"' in html
    indicator = client.get(f"/findings/{results.pk}/nhs_any/").content.decode()
    assert 'href="/findings/rules/"' in indicator and "Synthetic demo data: made up" in indicator


def test_the_collective_grievances_sit_beside_the_findings(results):
    client, _ = _published(results)
    html = client.get(page_url(results)).content.decode()
    assert re.search(
        r'<aside class="beside-findings"[^>]*>\s*<section class="grievances-panel"', html
    )
    assert "Collective grievances from Survival Surgeries" in html


def test_charts_are_accessible_svg_without_inline_styles(results):
    client, _ = _published(results)
    for url in (page_url(results), f"/findings/{results.pk}/pay_under_300/"):
        html = client.get(url).content.decode()
        svgs = re.findall(r"<svg\b[^>]*>", html)
        assert len(svgs) >= 3
        for tag in svgs:
            assert 'role="img"' in tag and "aria-labelledby=" in tag and "viewBox=" in tag
        assert not re.search(r"\sstyle=", html)
        assert "<style" not in html and "<script" not in html
        # Every chart is followed by its table of numbers.
        for chart_end in [m.end() for m in re.finditer(r"</svg>", html)]:
            after = html[chart_end:]
            assert after.find("<table") < after.find("<svg") or "<svg" not in after


def test_the_downloads_are_the_same_findings(results):
    client, findings = _published(results)
    response = client.get(f"/findings/{results.pk}/findings.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    totals = {r["id"]: r for r in rows if r["group"] == "total" and r["kind"] == "proportion"}
    for ind in findings["indicators"]:
        if ind["kind"] == "proportion":
            assert totals[ind["id"]]["count"] == str(ind["count"])
    pdf = client.get(f"/findings/{results.pk}/findings.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


# --- The rules and the index --------------------------------------------------------------------


def test_the_rules_page_explains_the_rules_in_plain_words():
    html = Client().get("/findings/rules/").content.decode()
    for words in ("fewer than <strong>10</strong>", "secondary suppression", "subtract",
                  "base under 30", "region</strong>, <strong>sector</strong> and "
                  "<strong>profession</strong>", "no free filter"):  # fmt: skip
        assert words in html, words


def test_the_index_lists_published_findings_only(results, org, answers):
    other = fill(Survey.objects.create(organisation=org, title="Published one",
                 instrument_slug="surviving-work", instrument_version=1, published=True),
                 answers[:100])  # fmt: skip
    html = Client().get("/findings/").content.decode()
    assert f'href="/findings/{other.pk}/"' in html
    assert f'href="/findings/{results.pk}/"' not in html


def test_the_index_shows_a_member_their_unpublished_findings(results, analyst, outsider):
    assert (
        f'href="/findings/{results.pk}/"' in signed_in(analyst).get("/findings/").content.decode()
    )
    assert f'href="/findings/{results.pk}/"' not in (
        signed_in(outsider).get("/findings/").content.decode()
    )


def test_the_home_page_links_the_published_findings():
    assert 'href="/findings/"' in Client().get("/").content.decode()
