import csv
import io

from freeassoc.surveys.models import Draft, InvitationToken, Response
from tests.auth import sign_in

from .answering import complete


def issue(client, organiser, collector, count):
    sign_in(client, organiser)
    url = f"/org/surveys/{collector.survey.pk}/collectors/{collector.pk}/invitations/"
    response = client.post(url, {"count": count})
    client.logout()
    return response


def test_an_organiser_downloads_invitation_links_as_csv(client, organiser, invite_collector):
    response = issue(client, organiser, invite_collector, 25)
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 25
    assert len({row["invitation_link"] for row in rows}) == 25
    assert rows[0]["invitation_link"].startswith(f"http://testserver/s/{invite_collector.slug}/?t=")
    assert InvitationToken.objects.filter(collector=invite_collector).count() == 25
    invite_collector.refresh_from_db()
    assert invite_collector.invitations_issued == 25


def _token(client, organiser, collector):
    rows = csv.DictReader(io.StringIO(issue(client, organiser, collector, 1).content.decode()))
    return next(rows)["invitation_link"].split("?t=")[1]


def test_an_invitation_works_once(client, organiser, invite_collector):
    token = _token(client, organiser, invite_collector)
    slug = invite_collector.slug
    assert client.post(f"/s/{slug}/start/", {"t": token}).status_code == 302
    client.cookies.clear()
    again = client.post(f"/s/{slug}/start/", {"t": token})
    assert again.status_code == 403
    assert "already been used" in again.text


def test_opening_the_link_does_not_spend_the_invitation(client, organiser, invite_collector):
    """Mail scanners follow links: only pressing Start (a POST) uses the invitation."""
    token = _token(client, organiser, invite_collector)
    page = client.get(f"/s/{invite_collector.slug}/?t={token}")
    assert f'name="t" value="{token}"' in page.text
    assert InvitationToken.objects.count() == 1


def test_an_invitation_survey_refuses_people_without_an_invitation(client, invite_collector):
    response = client.post(f"/s/{invite_collector.slug}/start/")
    assert response.status_code == 403
    assert "by invitation" in response.text
    forged = client.post(f"/s/{invite_collector.slug}/start/", {"t": "made-up-token"})
    assert forged.status_code == 403
    assert not Draft.objects.exists()


def test_an_invited_respondent_completes_the_survey(client, organiser, invite_collector):
    token = _token(client, organiser, invite_collector)
    client.get(f"/s/{invite_collector.slug}/?t={token}")
    response = client.post(f"/s/{invite_collector.slug}/start/", {"t": token})
    # answering.complete starts again; with a draft in this browser, start just continues it
    final = complete(client, invite_collector.slug)
    assert response.status_code == 302 and final["Location"].endswith("/thanks/")
    assert Response.objects.get().collector_kind == "invite"


def test_invitations_cannot_be_issued_from_an_open_link(client, organiser, open_link):
    response = issue(client, organiser, open_link, 5)
    assert response.status_code == 302
    assert not InvitationToken.objects.exists()
