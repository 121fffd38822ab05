"""Isolation: an organisation's microdata, free text and private pages are its own.

Every address that shows or changes something belonging to one organisation is walked twice:
as an owner of ANOTHER organisation, fully signed in with two factors, who must get 404 (they
should not learn it exists); and as an anonymous visitor, who must get 404 or be sent to sign
in. A final test checks the walk is complete: every route of the site is either walked here or
named as public with the reason, so a new private page cannot be added without being tested.
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import get_resolver
from django.utils import timezone

from freeassoc.api import services as api_services
from freeassoc.groups import services as group_services
from freeassoc.groups.models import LocalGroup, Network
from freeassoc.imports import services as import_services
from freeassoc.orgs.models import Invitation, Membership
from freeassoc.pools import services as pool_services
from freeassoc.pools.models import Pool, PoolInvitation
from freeassoc.surgeries import services as surgery_services
from freeassoc.surgeries.models import Surgery
from freeassoc.surveys.models import Collector
from tests.auth import member, sign_in
from tests.imports.conftest import GOOD_ROWS, MAPPING, write_csv

# Routes anyone may use, with why that is safe. Everything else must be in PRIVATE below.
PUBLIC = {
    "home": "front page",
    "healthz": "says 'ok'",
    "privacy": "how we protect you",
    "login": "sign-in",
    "logout": "sign-out",
    "password_change": "own account only (sign-in required)",
    "password_change_done": "own account only",
    "password_reset": "asks for an address; says the same whatever it is",
    "password_reset_done": "static",
    "password_reset_confirm": "needs the emailed token",
    "password_reset_complete": "static",
    "surveys:dashboard": "lists only the visitor's own organisations' surveys",
    "surveys:create": "creates in the visitor's own organisations only",
    "orgs:register": "anyone may ask to register an organisation",
    "orgs:approvals": "platform staff only (tested in tests/orgs)",
    "orgs:review": "platform staff only (tested in tests/orgs)",
    "orgs:mine": "the visitor's own memberships",
    "orgs:invitation": "needs the emailed single-use token",
    "orgs:two_factor": "the visitor's own second step",
    "orgs:two_factor_setup": "the visitor's own authenticator",
    "orgs:backup_codes": "the visitor's own backup codes",
    "respond:intro": "the respondent's survey, by its link",
    "respond:start": "the respondent's survey, by its link",
    "respond:resume": "needs the respondent's resume code",
    "respond:page": "the respondent's own draft, by cookie",
    "respond:review": "the respondent's own draft, by cookie",
    "respond:thanks": "static",
    "findings:index": "published findings, and the visitor's own organisations' unpublished",
    "findings:rules": "the disclosure rules",
    "groups:*": "the public directory (edit, remove and history are walked above)",
    "surgeries:index": "the visitor's own surgeries",
    "surgeries:grievances": "theme counts across surgeries after disclosure control",
    "surgeries:join": "join by code",
    "surgeries:create": "creates for the visitor's own organisations or groups",
    "pools:index": "published pools",
    "api:reference": "describes the API",
    "api:v1:openapi-json": "the API's document",
    "api:v1:api-root": "the API's own index",
    "api:v1:list_surveys": "the key's own organisation's surveys",
    "api:v1:list_pools": "published pools, and those the key's organisation is invited to",
}
PARTICIPANT_PAGES = {
    "board", "rules", "board_fragment", "problem_add", "dot", "note_add", "action_add",
    "plan", "plan_pdf",
}  # fmt: skip


@pytest.fixture
def world(org, survey, open_link, tmp_path, settings):
    """One organisation's things: a survey with an imported batch, a pending upload, an
    unpublished findings page, a pool contribution, an API key, an invitation, a surgery
    with a problem and an action."""
    settings.FREEASSOC_IMPORT_DIR = str(tmp_path / "imports")
    owner = member(org, "owner-a", Membership.Role.OWNER)
    invites = Collector.objects.create(survey=survey, kind="invite", name="Mailing list")
    path = write_csv(tmp_path / "theirs.csv", GOOD_ROWS)
    batch = import_services.run_import(survey, path, MAPPING, user=owner, filename="theirs.csv")
    uploading = Client()
    sign_in(uploading, owner)
    checked = uploading.post(
        f"/org/surveys/{survey.pk}/import/",
        {
            "data": SimpleUploadedFile("next.csv", path.read_bytes()),
            "mapping": SimpleUploadedFile("map.yaml", MAPPING.encode()),
        },
    )
    assert checked.status_code == 302, checked.content[:500]
    token = checked["Location"].rstrip("/").rsplit("/", 1)[-1]
    # The owner is the pool's steward too: the control below reaches its invitations page.
    pool = Pool.objects.create(
        name="National pool", slug="national", instrument_slug="surviving-work",
        instrument_version=1, steward=owner,
    )  # fmt: skip
    pool_services.pool_invitation_send(pool=pool, organisation=org, by=owner)
    pool_services.contribution_consent(pool=pool, survey=survey, user=owner)
    key, _ = api_services.api_key_create(organisation=org, name="Branch", user=owner)
    invitation = Invitation.objects.create(
        organisation=org, email="new@example.org", role="analyst", token_hash="0" * 64,
        invited_by=owner, expires_at=timezone.now() + datetime.timedelta(days=7),
    )  # fmt: skip
    surgery = surgery_services.surgery_create(
        organisation=org, title="Team meeting", kind=Surgery.Kind.TEAM, region="north_west",
        sector="nhs", delete_on=timezone.localdate() + datetime.timedelta(days=30),
    )  # fmt: skip
    seat, _ = surgery_services.seat_take(surgery=surgery)
    problem = surgery_services.problem_add(seat=seat, text="Unpaid notes", theme_codes=["pay"])
    for stage in (Surgery.Stage.INFORMATION, Surgery.Stage.ACTIONS):
        surgery_services.surgery_set_stage(surgery=surgery, stage=stage)
    action = surgery_services.action_add(
        seat=seat, what="Ask the union", who="", by_when=None, problem=None
    )
    membership = Membership.objects.get(organisation=org, user=owner)
    network = Network.objects.create(
        name="Counsellors Together UK", slug="ctuk", kind="workers_group",
        description="Counsellors organising.", approved=True,
    )  # fmt: skip
    group = group_services.local_group_create(
        organisation=org, network=network, name="Leeds counsellors", meets="online", region="",
        town="", frequency="monthly", who_for="Counsellors.", areas=[],
        contact_email="contact@group.example", created_by=owner,
    )  # fmt: skip
    from freeassoc.findings.tasks import export_queue

    export = export_queue(survey=survey, user=owner, fmt="dta")
    return {
        "group": group.slug,
        "export": export.pk,
        "pk": survey.pk, "survey_id": survey.pk, "collector_id": invites.pk,
        "batch_id": batch.pk, "token": token, "pool_id": pool.pk, "slug": org.slug,
        "membership_id": membership.pk, "invitation": invitation.pk, "key": key.pk,
        "surgery": surgery.pk, "problem": problem.pk, "action": action.pk,
    }  # fmt: skip


# (route name, method, how to fill the address from the world). Every one belongs to the
# first organisation.
PRIVATE = [
    ("surveys:detail", "get", lambda w: {"pk": w["pk"]}),
    ("surveys:status", "post", lambda w: {"pk": w["pk"]}),
    ("surveys:delete_data", "post", lambda w: {"pk": w["pk"]}),
    ("surveys:collector_create", "post", lambda w: {"pk": w["pk"]}),
    ("surveys:invitations", "post", lambda w: {"pk": w["pk"], "collector_id": w["collector_id"]}),
    *[
        ("findings:export", "get", lambda w, f=fmt: {"pk": w["pk"], "fmt": f})
        for fmt in ("csv", "xlsx", "sav", "dta")
    ],
    ("findings:export", "post", lambda w: {"pk": w["pk"], "fmt": "xlsx"}),
    *[
        (name, method, lambda w: {"pk": w["pk"], "export_id": w["export"]})
        for name, method in [("findings:export_file", "get"), ("findings:export_download", "post")]
    ],
    ("findings:codebook", "get", lambda w: {"pk": w["pk"]}),
    ("findings:survey", "get", lambda w: {"pk": w["pk"]}),
    ("findings:publish", "post", lambda w: {"pk": w["pk"]}),
    *[
        ("findings:download", "get", lambda w, f=fmt: {"pk": w["pk"], "fmt": f})
        for fmt in ("json", "csv", "pdf")
    ],
    ("findings:indicator", "get", lambda w: {"pk": w["pk"], "ident": "nhs_any"}),
    ("imports:start", "get", lambda w: {"pk": w["pk"]}),
    ("imports:check", "get", lambda w: {"pk": w["pk"], "token": w["token"]}),
    ("imports:problems", "get", lambda w: {"pk": w["pk"], "token": w["token"]}),
    ("imports:confirm", "post", lambda w: {"pk": w["pk"], "token": w["token"]}),
    ("imports:cancel", "post", lambda w: {"pk": w["pk"], "token": w["token"]}),
    ("imports:batches", "get", lambda w: {"pk": w["pk"]}),
    ("imports:batch", "get", lambda w: {"pk": w["pk"], "batch_id": w["batch_id"]}),
    ("imports:withdraw", "post", lambda w: {"pk": w["pk"], "batch_id": w["batch_id"]}),
    ("orgs:members", "get", lambda w: {"slug": w["slug"]}),
    ("orgs:members", "post", lambda w: {"slug": w["slug"]}),
    (
        "orgs:member_role",
        "post",
        lambda w: {"slug": w["slug"], "membership_id": w["membership_id"]},
    ),
    (
        "orgs:member_remove",
        "post",
        lambda w: {"slug": w["slug"], "membership_id": w["membership_id"]},
    ),
    (
        "orgs:member_two_factor_reset",
        "post",
        lambda w: {"slug": w["slug"], "membership_id": w["membership_id"]},
    ),
    ("orgs:invitation_withdraw", "post", lambda w: {"slug": w["slug"], "pk": w["invitation"]}),
    ("orgs:audit", "get", lambda w: {"slug": w["slug"]}),
    ("groups:edit", "get", lambda w: {"slug": w["group"]}),
    ("groups:edit", "post", lambda w: {"slug": w["group"]}),
    ("groups:remove", "post", lambda w: {"slug": w["group"]}),
    ("groups:history", "get", lambda w: {"slug": w["group"]}),
    ("apikeys:keys", "get", lambda w: {"slug": w["slug"]}),
    ("apikeys:keys", "post", lambda w: {"slug": w["slug"]}),
    ("apikeys:revoke", "post", lambda w: {"slug": w["slug"], "pk": w["key"]}),
    ("pools:survey", "get", lambda w: {"pk": w["pk"]}),
    ("pools:detail", "get", lambda w: {"slug": "national"}),  # not yet published
    ("pools:consent", "post", lambda w: {"pk": w["pk"], "pool_id": w["pool_id"]}),
    ("pools:withdraw", "post", lambda w: {"pk": w["pk"], "pool_id": w["pool_id"]}),
    ("pools:decline", "post", lambda w: {"pk": w["pk"], "pool_id": w["pool_id"]}),
    ("pools:invitations", "get", lambda w: {"slug": "national"}),
    ("pools:invitations", "post", lambda w: {"slug": "national"}),
    ("surgeries:run", "get", lambda w: {"pk": w["surgery"]}),
    ("surgeries:run_board", "get", lambda w: {"pk": w["surgery"]}),
    ("surgeries:stage", "post", lambda w: {"pk": w["surgery"]}),
    ("surgeries:choose_top", "post", lambda w: {"pk": w["surgery"]}),
    (
        "surgeries:hide",
        "post",
        lambda w: {"pk": w["surgery"], "kind": "problem", "item_id": w["problem"]},
    ),
    ("surgeries:choose", "post", lambda w: {"pk": w["surgery"], "item_id": w["problem"]}),
    ("surgeries:done", "post", lambda w: {"pk": w["surgery"], "item_id": w["action"]}),
    ("surgeries:delete_on", "post", lambda w: {"pk": w["surgery"]}),
    ("surgeries:purge", "post", lambda w: {"pk": w["surgery"]}),
    ("surgeries:run_plan", "get", lambda w: {"pk": w["surgery"]}),
    ("surgeries:run_plan_pdf", "get", lambda w: {"pk": w["surgery"]}),
    ("api:v1:get_survey", "get", lambda w: {"survey_id": w["survey_id"]}),
    ("api:v1:post_response", "post", lambda w: {"survey_id": w["survey_id"]}),
    ("api:v1:import_batch", "post", lambda w: {"survey_id": w["survey_id"]}),
    ("api:v1:survey_findings", "get", lambda w: {"survey_id": w["survey_id"]}),
    ("api:v1:pool_findings", "get", lambda w: {"slug": "national"}),  # not yet published
]


def _request(client, name, method, kwargs, **headers):
    from django.urls import reverse

    url = reverse(name, kwargs=kwargs)
    if method == "get":
        return client.get(url, **headers)
    body = {"role": "owner", "action": "publish", "stage": "information", "name": "k",
            "consent": "on", "delete_on": "2030-01-01",
            "confirm": "Working conditions 2026"}  # fmt: skip
    if name == "api:v1:post_response":  # well formed, so that only access can refuse it
        body = {"answers": {"nhs_work": "direct"}}
        return client.post(url, body, content_type="application/json", **headers)
    if name == "api:v1:import_batch":
        body = {"file": SimpleUploadedFile("theirs.csv", b"Q1\n1\n"), "mapping": MAPPING}
    return client.post(url, body, **headers)


def _ids(case):
    name, method, _ = case
    return f"{method} {name}"


@pytest.mark.parametrize("case", PRIVATE, ids=_ids)
def test_another_organisation_gets_404(case, world, outsider, other_org):
    name, method, fill = case
    client = Client()
    sign_in(client, outsider)
    _, raw = api_services.api_key_create(organisation=other_org, name="Theirs", user=outsider)
    response = _request(client, name, method, fill(world), HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 404, (name, response.status_code, response.content[:300])
    assert b"Unpaid notes" not in response.content


@pytest.mark.parametrize("case", PRIVATE, ids=_ids)
def test_anonymous_visitor_is_refused(case, world):
    name, method, fill = case
    response = _request(Client(), name, method, fill(world))
    if name.startswith("api:"):
        assert response.status_code == 401, (name, response.status_code)
    elif response.status_code == 302:
        assert response["Location"].startswith("/accounts/login/"), response["Location"]
    else:
        assert response.status_code == 404, (name, response.status_code)


def test_nothing_was_changed_by_the_walk(world, outsider, other_org, survey):
    """The refusals above come before anything is done: after every POST of the walk as
    the other organisation, the survey, batch, pool and surgery are as they were."""
    client = Client()
    sign_in(client, outsider)
    for name, method, fill in PRIVATE:
        if method == "post":
            _request(client, name, method, fill(world))
    survey.refresh_from_db()
    assert not survey.published and survey.status == "open"
    assert survey.responses.count() == len(GOOD_ROWS)
    assert Surgery.objects.filter(pk=world["surgery"]).exists()
    assert survey.pool_contributions.filter(withdrawn_at__isnull=True).count() == 1
    assert [(i.organisation_id, i.is_open) for i in PoolInvitation.objects.all()] == [
        (survey.organisation_id, True)
    ]
    assert LocalGroup.objects.get(slug=world["group"]).contact_email == "contact@group.example"


def _route_names():
    names = set()

    def walk(patterns, namespace):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                ns = f"{namespace}:{p.namespace}" if namespace and p.namespace else (
                    p.namespace or namespace)  # fmt: skip
                walk(p.url_patterns, ns)
            else:
                names.add(f"{namespace}:{p.name}" if namespace else str(p.name))

    walk(get_resolver().url_patterns, "")
    return names


def test_every_route_is_walked_or_named_public():
    walked = {name for name, _, _ in PRIVATE}
    unclassified = []
    for name in sorted(_route_names()):
        app, _, view = name.rpartition(":")
        if name in walked or name in PUBLIC or app == "admin" or f"{app}:*" in PUBLIC:
            continue
        if app == "surgeries" and view in PARTICIPANT_PAGES:
            continue
        unclassified.append(name)
    assert not unclassified, f"Routes neither walked for isolation nor public: {unclassified}"


@pytest.mark.parametrize("case", [c for c in PRIVATE if c[1] == "get"], ids=_ids)
def test_the_owner_reaches_each_page(case, world, org):
    """The control: the addresses the walk fills in are real, so the 404s above come from
    the access checks, not from a wrong address."""
    from django.contrib.auth import get_user_model

    name, method, fill = case
    owner = get_user_model().objects.get(username="owner-a")
    client = Client()
    sign_in(client, owner)
    _, raw = api_services.api_key_create(organisation=org, name="Ours", user=owner)
    response = _request(client, name, method, fill(world), HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200, (name, response.status_code, response.content[:300])
