"""Pools by invitation: only the pool's steward invites an organisation; an owner of it
accepts (survey by survey) or declines, both audited; an unpublished pool exists only for the
steward and the owners of invited or contributing organisations."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from freeassoc.orgs.models import AuditEvent, Membership, Organisation
from freeassoc.pools import services
from freeassoc.pools.models import Pool, PoolContribution, PoolInvitation
from tests.auth import member, sign_in

from .conftest import contribute, invite

pytestmark = pytest.mark.django_db


def consent(client, survey, pool):
    return client.post(reverse("pools:consent", args=[survey.pk, pool.pk]), {"agree": "on"})


@pytest.fixture
def steward(other_org):
    """A named owner of another member organisation looks after the pool."""
    return member(other_org, "stew", Membership.Role.OWNER)


@pytest.fixture
def stewarded(pool, steward):
    Pool.objects.filter(pk=pool.pk).update(steward=steward)
    pool.refresh_from_db()
    return pool


@pytest.mark.parametrize("published", [False, True], ids=["unpublished", "published"])
def test_an_uninvited_organisation_cannot_join_or_see_a_pool(
    client, owner, survey, pool, published
):
    Pool.objects.filter(pk=pool.pk).update(published=published)
    sign_in(client, owner)
    page = client.get(reverse("pools:survey", args=[survey.pk])).content.decode()
    assert "National Surviving Work pool" not in page
    assert consent(client, survey, pool).status_code == 404
    with pytest.raises(ValidationError, match="Only an organisation invited"):
        services.contribution_consent(pool=pool, survey=survey, user=owner)
    assert not PoolContribution.objects.exists()
    detail = client.get(reverse("pools:detail", args=[pool.slug]))
    assert detail.status_code == (200 if published else 404)


def test_the_steward_invites_and_an_owner_accepts_both_audited(
    client, stewarded, steward, owner, survey, org, django_capture_on_commit_callbacks
):
    owner.email = "owen@example.org"
    owner.save()
    sign_in(client, steward)
    url = reverse("pools:invitations", args=[stewarded.slug])
    page = client.get(url).content.decode()
    assert f'<option value="{org.pk}">{org.name}</option>' in page
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"organisation": org.pk}).status_code == 302
    invited = AuditEvent.objects.get(action="pool_invitation")
    assert (invited.organisation, invited.user) == (org, steward)
    assert "stew" in invited.detail and stewarded.name in invited.detail
    assert [m.to for m in mail.outbox] == [["owen@example.org"]]
    # Inviting again while the invitation stands is refused.
    assert client.post(url, {"organisation": org.pk}).status_code == 400

    sign_in(client, owner)
    assert client.get(reverse("pools:detail", args=[stewarded.slug])).status_code == 200
    page = client.get(reverse("pools:survey", args=[survey.pk])).content.decode()
    assert "was invited by stew, the pool's steward" in page
    assert consent(client, survey, stewarded).status_code == 302
    contribution = PoolContribution.objects.get()
    assert (contribution.survey, contribution.consented_by) == (survey, owner)
    accepted = AuditEvent.objects.get(action="pool_consent")
    assert accepted.organisation == org and accepted.user == owner


def test_only_the_steward_invites(client, stewarded, owner, outsider, org):
    url = reverse("pools:invitations", args=[stewarded.slug])
    staff = get_user_model().objects.create_user("stella", password="x" * 12, is_staff=True)
    for someone in (owner, staff):  # with a named steward, the staff are not the steward
        sign_in(client, someone)
        assert client.get(url).status_code == 404
        assert client.post(url, {"organisation": org.pk}).status_code == 404
    assert not PoolInvitation.objects.exists()
    # Without a named steward, the staff are.
    Pool.objects.filter(pk=stewarded.pk).update(steward=None)
    sign_in(client, staff)
    assert client.post(url, {"organisation": org.pk}).status_code == 302
    assert PoolInvitation.objects.get().invited_by == staff


def test_a_steward_who_is_no_longer_an_owner_is_not_the_steward(client, stewarded, steward):
    Membership.objects.filter(user=steward).update(role=Membership.Role.ANALYST)
    sign_in(client, steward)
    assert client.get(reverse("pools:invitations", args=[stewarded.slug])).status_code == 404
    assert client.get(reverse("pools:detail", args=[stewarded.slug])).status_code == 404


def test_an_unapproved_organisation_cannot_be_invited(stewarded, steward):
    waiting = Organisation.objects.create(name="Waiting", slug="waiting", kind="union")
    with pytest.raises(ValidationError, match="approved"):
        services.pool_invitation_send(pool=stewarded, organisation=waiting, by=steward)


def test_the_steward_must_own_an_approved_organisation(pool, analyst):
    pool.steward = analyst
    with pytest.raises(ValidationError, match="steward"):
        pool.full_clean()


def test_an_owner_declines_then_cannot_join_until_invited_again(
    client, pool, owner, organiser, outsider, survey, org
):
    invite(pool, org)
    decline = reverse("pools:decline", args=[survey.pk, pool.pk])
    sign_in(client, organiser)
    assert client.post(decline).status_code == 403
    sign_in(client, outsider)
    assert client.post(decline).status_code == 404
    assert PoolInvitation.objects.get().is_open

    sign_in(client, owner)
    page = client.get(reverse("pools:survey", args=[survey.pk])).content.decode()
    assert "Decline National Surviving Work pool" in page
    assert client.post(decline).status_code == 302
    invitation = PoolInvitation.objects.get()
    assert invitation.declined_by == owner and not invitation.is_open
    event = AuditEvent.objects.get(action="pool_decline")
    assert event.organisation == org and event.user == owner
    assert consent(client, survey, pool).status_code == 404
    assert client.get(reverse("pools:detail", args=[pool.slug])).status_code == 404
    assert not PoolContribution.objects.exists()

    invite(pool, org)  # the steward asks again
    assert consent(client, survey, pool).status_code == 302
    assert PoolContribution.objects.filter(withdrawn_at=None).count() == 1


def test_declining_waits_for_the_data_sets_to_be_withdrawn(client, pool, owner, survey):
    contribute(pool, survey, owner)
    sign_in(client, owner)
    page = client.get(reverse("pools:survey", args=[survey.pk])).content.decode()
    assert "Decline" not in page
    response = client.post(reverse("pools:decline", args=[survey.pk, pool.pk]), follow=True)
    assert "withdraw its data sets first" in response.content.decode()
    assert PoolInvitation.objects.get().is_open
    assert PoolContribution.objects.get().withdrawn_at is None


def test_an_unpublished_pool_shows_only_to_owners_of_invited_organisations(
    client, pool, owner, analyst, org, survey
):
    invite(pool, org)
    sign_in(client, analyst)
    assert client.get(reverse("pools:detail", args=[pool.slug])).status_code == 404
    page = client.get(reverse("pools:survey", args=[survey.pk])).content.decode()
    assert "National Surviving Work pool" not in page
    sign_in(client, owner)
    assert client.get(reverse("pools:detail", args=[pool.slug])).status_code == 200
