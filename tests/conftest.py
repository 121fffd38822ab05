import pytest

from freeassoc.orgs.models import Membership, Organisation
from freeassoc.surveys.models import Collector, Survey
from tests.auth import member


@pytest.fixture
def org(db):
    return Organisation.objects.create(
        name="Counsellors Together (test)", slug="ct", kind="workers_group", approved=True
    )


@pytest.fixture
def other_org(db):
    return Organisation.objects.create(name="Another Union", slug="au", kind="union", approved=True)


@pytest.fixture
def organiser(org):
    return member(org, "olive", Membership.Role.ORGANISER)


@pytest.fixture
def analyst(org):
    return member(org, "ana", Membership.Role.ANALYST)


@pytest.fixture
def outsider(other_org):
    return member(other_org, "oscar", Membership.Role.OWNER)


@pytest.fixture
def survey(org):
    return Survey.objects.create(
        organisation=org,
        title="Working conditions 2026",
        instrument_slug="surviving-work",
        instrument_version=1,
        status=Survey.Status.OPEN,
    )


@pytest.fixture
def open_link(survey):
    return Collector.objects.create(survey=survey, kind="open", name="Newsletter")


@pytest.fixture
def invite_collector(survey):
    return Collector.objects.create(survey=survey, kind="invite", name="Mailing list")


@pytest.fixture
def admin_client(client, admin_user):
    """pytest-django's admin client, signed in with the second factor staff need."""
    from tests.auth import sign_in

    sign_in(client, admin_user)
    return client


@pytest.fixture(autouse=True)
def _rate_limits_start_afresh(request):
    """Daily purge flags, rate-limit and sign-in counters live in database cache tables (or
    Redis), which the flush between transactional tests does not empty: each test starts with
    empty caches."""
    if {"transactional_db", "live_server"} & set(request.fixturenames):
        request.getfixturevalue("transactional_db")
        from django.core.cache import caches

        caches["default"].clear()
        caches["axes"].clear()


@pytest.fixture(autouse=True)
def _findings_cache_per_test(settings, tmp_path_factory):
    """Each test its own findings cache folder: ids start again in each test's database, so
    a shared folder would hold files from another test's surveys."""
    settings.FINDINGS_CACHE_DIR = tmp_path_factory.mktemp("findings-cache")
