"""A pool's findings are one survey's findings over all its data sets, at the strictest k;
its page lists who contributes and never a figure for one organisation."""

import html
import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from freeassoc.findings import disclosure, engine, reports
from freeassoc.orgs.models import Membership, Organisation
from freeassoc.pools import selectors, services
from tests.auth import member, sign_in

from .conftest import contribute

pytestmark = pytest.mark.django_db


@pytest.fixture
def pooled(pool, ours, theirs, org, other_org):
    contribute(pool, ours, member(org, "o1", "owner"))
    contribute(pool, theirs, member(other_org, "o2", "owner"))
    return pool


def shown_counts(findings):
    """Every count a reader of the findings sees, with its base."""
    for ind in findings["indicators"]:
        yield ind["count"], ind["base"], ind["suppressed"]
        for breakdown in ind["breakdowns"].values():
            for cell in breakdown["cells"]:
                yield cell["count"], cell["base"], cell["suppressed"]


def test_pool_findings_are_the_engines_over_the_contributors_at_the_strictest_k(
    pooled, ours, theirs
):
    findings = selectors.pool_findings(pooled)
    # theirs asks for k=15, ours for 10 and the pool for 10: the strictest wins.
    expected = disclosure.publish(engine.report_for_surveys([ours, theirs]), k=15)
    assert {k: v for k, v in findings.items() if k != "pool"} == expected
    assert findings["k"] == 15
    assert findings["respondents"] == 81 + 118
    # Not what k=10 would publish: some figure of 10 to 14 people is hidden.
    assert expected != disclosure.publish(engine.report_for_surveys([ours, theirs]), k=10)
    for count, base, suppressed in shown_counts(findings):
        if not suppressed and base:
            assert count is None or count >= 15


def test_a_withdrawn_data_set_leaves_the_findings(pooled, ours, theirs):
    contribution = pooled.contributions.get(survey=theirs)
    services.contribution_withdraw(contribution=contribution, user=None)
    findings = selectors.pool_findings(pooled)
    assert findings["respondents"] == 81
    assert findings["k"] == 10
    assert {k: v for k, v in findings.items() if k != "pool"} == disclosure.publish(
        engine.report_for_surveys([ours]), k=10
    )
    assert findings["pool"]["contributors"] == [
        {"organisation": "Counsellors Together (test)", "data_sets": 1}
    ]


def test_an_empty_pool_has_no_figures(pool):
    findings = selectors.pool_findings(pool)
    assert findings["respondents"] == 0 and findings["indicators"] == []


def test_unpublished_pool_is_hidden_from_the_public_and_outsiders(client, pooled):
    url = reverse("pools:detail", args=[pooled.slug])
    assert client.get(url).status_code == 404
    assert "National Surviving Work" not in client.get(reverse("pools:index")).content.decode()
    third = Organisation.objects.create(name="Third", slug="third", kind="union", approved=True)
    stranger = member(third, "stranger", Membership.Role.OWNER)
    sign_in(client, stranger)
    assert client.get(url).status_code == 404


def test_the_steward_and_contributors_owners_preview_an_unpublished_pool(client, pooled, org):
    url = reverse("pools:detail", args=[pooled.slug])
    sign_in(client, get_user_model().objects.get(username="o1"))
    assert "Not published yet" in client.get(url).content.decode()
    staff = get_user_model().objects.create_user("staff", password="x", is_staff=True)
    sign_in(client, staff)  # no steward is named: the platform's staff are the steward
    assert client.get(url).status_code == 200
    # Other members of a contributing organisation do not see it before it is published.
    sign_in(client, member(org, "analyst2", Membership.Role.ANALYST))
    assert client.get(url).status_code == 404


NUMBER = r"\d+(?:\.\d+)?"


def test_published_pool_page_names_contributors_and_never_a_figure_of_one(
    client, pooled, ours, theirs
):
    pooled.published = True
    pooled.save()
    page = client.get(reverse("pools:detail", args=[pooled.slug])).content.decode()
    assert "Counsellors Together (test)" in page and "Another Union" in page
    assert re.search(r"<strong>199</strong> respondents", page)
    cells = " ".join(re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", page, flags=re.S))
    on_page = set(re.findall(NUMBER, html.unescape(re.sub(r"<[^>]+>", " ", cells))))
    # Every number in the page's tables (where every figure is) is one of the pool's
    # published findings (figures, labels) or a contributor's number of data sets: none
    # comes from one organisation's data alone.
    pooled_text = json.dumps(selectors.pool_findings(pooled), ensure_ascii=False)
    assert on_page <= set(re.findall(NUMBER, pooled_text)) | {"95"}
    # Each organisation's own number of respondents is nowhere on the page.
    for survey in (ours, theirs):
        assert str(reports.survey_findings(survey)["respondents"]) not in on_page
    assert "ZEBRA-SECRET-COMMENT" not in page
    assert "National Surviving Work pool" in client.get(reverse("pools:index")).content.decode()


def test_pool_findings_never_hold_free_text_or_responses(pooled):
    text = json.dumps(selectors.pool_findings(pooled))
    assert "ZEBRA-SECRET-COMMENT" not in text
    assert "answers" not in text


def test_there_is_no_export_of_a_pool(client, pooled):
    pooled.published = True
    pooled.save()
    for suffix in ("export/csv/", "export/", "csv/", "microdata/", "codebook/"):
        assert client.get(f"/pools/{pooled.slug}/{suffix}").status_code == 404


def test_contributing_gives_no_access_to_another_contributors_microdata(
    client, pooled, org, theirs
):
    sign_in(client, member(org, "analyst3", Membership.Role.ANALYST))
    for fmt in ("csv", "xlsx", "sav", "dta"):
        assert client.get(f"/org/surveys/{theirs.pk}/export/{fmt}/").status_code == 404
    assert client.get(f"/org/surveys/{theirs.pk}/").status_code == 404
    assert client.get(reverse("pools:survey", args=[theirs.pk])).status_code == 404
