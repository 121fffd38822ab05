"""An owner of an invited organisation consents, survey by survey, to contribute to a pool;
and can withdraw."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from freeassoc.orgs.models import AuditEvent, Membership
from freeassoc.pools import services
from freeassoc.pools.models import Pool, PoolContribution
from tests.auth import member, sign_in

from .conftest import contribute, invite

pytestmark = pytest.mark.django_db


@pytest.fixture
def invited(pool, org):
    invite(pool, org)


def consent(client, survey, pool, agree=True):
    data = {"agree": "on"} if agree else {}
    return client.post(reverse("pools:consent", args=[survey.pk, pool.pk]), data)


def test_owner_sees_the_consent_wording(client, owner, survey, pool, invited):
    sign_in(client, owner)
    page = client.get(reverse("pools:survey", args=[survey.pk])).content.decode()
    assert "National Surviving Work pool" in page
    assert "No other organisation sees your answers" in page
    assert "You can withdraw at any time" in page
    assert "Contribute to National Surviving Work pool" in page


def test_owner_consents_and_it_is_audited(client, owner, survey, pool, invited):
    sign_in(client, owner)
    response = consent(client, survey, pool)
    assert response.status_code == 302
    contribution = PoolContribution.objects.get()
    assert (contribution.pool, contribution.survey, contribution.consented_by) == (
        pool, survey, owner,
    )  # fmt: skip
    assert contribution.withdrawn_at is None
    event = AuditEvent.objects.get(organisation=survey.organisation, action="pool_consent")
    assert event.user == owner and "National Surviving Work pool" in event.detail
    page = client.get(reverse("pools:survey", args=[survey.pk])).content.decode()
    assert "This survey contributes to the pool" in page
    assert "Withdraw from National Surviving Work pool" in page


def test_consent_needs_the_box_ticked(client, owner, survey, pool, invited):
    sign_in(client, owner)
    response = consent(client, survey, pool, agree=False)
    assert response.status_code == 400
    assert "Tick the box" in response.content.decode()
    assert not PoolContribution.objects.exists()


def test_consenting_twice_makes_one_contribution(client, owner, survey, pool, invited):
    sign_in(client, owner)
    consent(client, survey, pool)
    response = consent(client, survey, pool)
    assert PoolContribution.objects.count() == 1
    assert "already contributes" in client.get(response.url).content.decode()


def test_only_an_owner_may_consent(client, org, organiser, survey, pool, invited):
    Pool.objects.filter(pk=pool.pk).update(published=True)
    sign_in(client, organiser)
    assert consent(client, survey, pool).status_code == 403
    page = client.get(reverse("pools:survey", args=[survey.pk])).content.decode()
    assert "Only an owner" in page
    assert not PoolContribution.objects.exists()


def test_another_organisation_cannot_consent_for_our_survey(
    client, outsider, survey, pool, invited
):
    sign_in(client, outsider)
    assert consent(client, survey, pool).status_code == 404
    assert client.get(reverse("pools:survey", args=[survey.pk])).status_code == 404
    assert not PoolContribution.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, survey, pool, invited):
    assert consent(client, survey, pool).status_code == 302
    assert not PoolContribution.objects.exists()


def test_only_surveys_of_the_pools_instrument_can_join(owner, survey):
    other = Pool.objects.create(
        name="Version two pool", slug="v2", instrument_slug="surviving-work", instrument_version=2
    )
    with pytest.raises(ValidationError, match="cannot join"):
        services.contribution_consent(pool=other, survey=survey, user=owner)
    assert not PoolContribution.objects.exists()


def test_pool_of_another_instrument_is_not_offered_and_is_refused(client, owner, survey, org):
    other = Pool.objects.create(
        name="Version two pool", slug="v2", instrument_slug="surviving-work", instrument_version=2
    )
    invite(other, org)
    sign_in(client, owner)
    assert (
        "Version two pool"
        not in client.get(reverse("pools:survey", args=[survey.pk])).content.decode()
    )
    response = consent(client, survey, other)
    assert "cannot join" in client.get(response.url).content.decode()
    assert not PoolContribution.objects.exists()


def test_owner_withdraws_and_it_is_audited_and_can_rejoin(client, owner, survey, pool, invited):
    sign_in(client, owner)
    consent(client, survey, pool)
    response = client.post(reverse("pools:withdraw", args=[survey.pk, pool.pk]))
    assert response.status_code == 302
    contribution = PoolContribution.objects.get()
    assert contribution.withdrawn_at is not None and contribution.withdrawn_by == owner
    details = list(AuditEvent.objects.values_list("detail", flat=True))
    assert any(d.startswith("Withdrew") for d in details)
    page = client.get(reverse("pools:survey", args=[survey.pk])).content.decode()
    assert "This survey contributes" not in page
    # Withdrawing again: nothing left to withdraw.
    assert client.post(reverse("pools:withdraw", args=[survey.pk, pool.pk])).status_code == 404
    consent(client, survey, pool)
    assert PoolContribution.objects.filter(withdrawn_at__isnull=True).count() == 1
    assert PoolContribution.objects.count() == 2


def test_a_non_owner_cannot_withdraw(client, org, owner, survey, pool):
    contribute(pool, survey, owner)
    analyst = member(org, "anna", Membership.Role.ANALYST)
    sign_in(client, analyst)
    assert client.post(reverse("pools:withdraw", args=[survey.pk, pool.pk])).status_code == 403
    assert PoolContribution.objects.get().withdrawn_at is None
