"""What changes the directory, local groups and join requests.

Join requests are relayed, not kept: the worker's address waits in one row until the group's
contact answers through the platform, then both sides get each other's address by email and the
row is deleted. Nothing here logs an address.
"""

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from freeassoc.orgs.models import AuditEvent, Organisation
from freeassoc.orgs.services import audit_record

from .directory import ESSAY_NETWORKS
from .models import GroupArea, JoinRequest, LocalGroup, Network, digest

# A group's contact gets at most this many unanswered requests at once, whoever sends them:
# a flood from many networks (which the per-network rate limit cannot see) stops here.
MAX_WAITING_PER_GROUP = 20

# Paths under /groups/ that a group's slug must never take.
RESERVED_SLUGS = {"search", "start", "new", "mine", "reply", "networks", "ask-to-be-listed"}


class JoinError(Exception):
    """A refusal to show the worker or the contact, as a sentence that says what to do."""


def join_request_days() -> int:
    return settings.FREEASSOC_JOIN_REQUEST_DAYS


def _unique_slug(model, name: str, *, exclude_pk=None) -> str:
    base = slugify(name)[:70].strip("-") or "group"
    taken = model.objects.exclude(pk=exclude_pk)
    slug, n = base, 1
    while slug in RESERVED_SLUGS or taken.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _one_line(text: str) -> str:
    """For an email subject: no line breaks (header injection), no run of spaces."""
    return " ".join(str(text).split())[:150]


# The directory ------------------------------------------------------------------------------


def directory_load() -> tuple[int, int]:
    """Add or refresh the essay's networks; safe to run any number of times. An entry that an
    organisation asked for under the same name is taken over, not duplicated. Returns
    (created, updated)."""
    created = updated = 0
    with transaction.atomic():
        for entry in ESSAY_NETWORKS:
            network = (
                Network.objects.filter(slug=entry.slug).first()
                or Network.objects.filter(name__iexact=entry.name).first()
            )
            fields = {
                "name": entry.name,
                "short_name": entry.short_name,
                "kind": entry.kind,
                "description": entry.description,
                "approved": True,
                "named_in_essay": True,
            }
            if network is None:
                Network.objects.create(slug=entry.slug, **fields)
                created += 1
            elif any(getattr(network, k) != v for k, v in fields.items()):
                for key, value in fields.items():
                    setattr(network, key, value)
                network.save()
                updated += 1
    return created, updated


def network_request_listing(
    *,
    name: str,
    kind: str,
    description: str,
    contact_email: str,
    website: str = "",
    note: str = "",
) -> Network:
    """An organisation asks to be listed; it waits, unlisted, for a platform administrator."""
    if kind not in dict(Network.KIND_CHOICES):
        raise ValidationError(
            "Employers and providers of services cannot be listed: Free Association is for "
            "workers' and service users' own organisations."
        )
    if Network.objects.filter(name__iexact=name.strip()).exists():
        raise ValidationError(f"“{name}” is already in the directory, or has already asked.")
    return Network.objects.create(
        name=name.strip(),
        slug=_unique_slug(Network, name),
        kind=kind,
        description=description.strip(),
        contact_email=contact_email,
        website=website,
        note=note.strip(),
        approved=False,
        requested_on=timezone.localdate(),
    )


def networks_approve(*, networks) -> int:
    return networks.update(approved=True)


# Local groups -------------------------------------------------------------------------------

# What an organiser can change on a listing, in the words the audit log uses.
EDITABLE = ["organisation", "network", "name", "meets", "region", "town", "frequency", "who_for",
            "contact_email"]  # fmt: skip


LABELS = {"areas": "postcode areas", "contact_email": "contact address",
          "approved": "approval for the site"}  # fmt: skip


def _label(field: str) -> str:
    return LABELS.get(field) or str(LocalGroup._meta.get_field(field).verbose_name).lower()


def _snapshot(group: LocalGroup) -> dict:
    values = {name: getattr(group, LocalGroup._meta.get_field(name).attname) for name in EDITABLE}
    return {**values, "areas": sorted(group.area_codes)}


def local_group_audit(*, group: LocalGroup, by, action: str, detail: str) -> None:
    """One line in the listing organisation's audit log, naming the group: the group's
    history, which its contact and the platform's staff can read too."""
    audit_record(
        organisation=group.organisation, group=group, user=by, action=action, detail=detail
    )


def local_group_changed(*, group: LocalGroup, by, changed: list[str], old_contact: str) -> None:
    """Record a change (the names of the fields changed) and, when the contact address was
    changed, tell the old address: join requests no longer go there, and if its owner did not
    expect that, they are the first to know."""
    if not changed:
        return
    local_group_audit(
        group=group,
        by=by,
        action=AuditEvent.Action.GROUP_CHANGE,
        detail=f"{group.name}: changed the {', '.join(_label(f) for f in changed)}",
    )
    if "contact_email" in changed and old_contact:
        who = by.get_username() if by is not None else "The platform's administrators"
        transaction.on_commit(
            lambda: _send(
                subject=f"The contact address of {group.name} has changed",
                template="groups/email/contact_changed.txt",
                context={"group": group, "who": who},
                to=old_contact,
                quiet=True,
            )
        )


def _set_areas(group: LocalGroup, areas: list[str]) -> None:
    group.areas.all().delete()
    GroupArea.objects.bulk_create([GroupArea(group=group, area=a) for a in areas])


def local_group_create(
    *,
    organisation: Organisation,
    network: Network,
    name: str,
    meets: str,
    region: str,
    town: str,
    frequency: str,
    who_for: str,
    contact_email: str,
    areas: list[str],
    created_by=None,
    is_synthetic: bool = False,
) -> LocalGroup:
    """Listed at once: the organiser's organisation is approved, and the administrators can
    withdraw a listing (approved=False) without deleting it."""
    if not organisation.approved:
        raise ValidationError("Only an approved organisation can list local groups.")
    if not network.approved:
        raise ValidationError("Choose a network that is in the directory.")
    group = LocalGroup(
        organisation=organisation,
        network=network,
        name=name.strip(),
        slug=_unique_slug(LocalGroup, name),
        meets=meets,
        region=region,
        town="" if meets == LocalGroup.Meets.ONLINE else town.strip(),
        frequency=frequency,
        who_for=who_for.strip(),
        contact_email=contact_email,
        created_by=created_by,
        is_synthetic=is_synthetic,
    )
    group.full_clean()
    with transaction.atomic():
        group.save()
        _set_areas(group, areas if meets == LocalGroup.Meets.IN_PERSON else [])
        local_group_audit(
            group=group, by=created_by, action=AuditEvent.Action.GROUP_LIST, detail=group.name
        )
    return group


def local_group_update(*, group: LocalGroup, by, areas: list[str], **fields) -> LocalGroup:
    """Change a listing; every change is audited (see local_group_changed)."""
    before = _snapshot(group)
    for key, value in fields.items():
        setattr(group, key, value.strip() if isinstance(value, str) else value)
    if group.meets == LocalGroup.Meets.ONLINE:
        group.town = ""
        areas = []
    group.full_clean()
    with transaction.atomic():
        group.save()
        _set_areas(group, areas)
        after = _snapshot(group)
        changed = [name for name in after if after[name] != before[name]]
        local_group_changed(
            group=group, by=by, changed=changed, old_contact=before["contact_email"]
        )
    return group


def local_group_remove(*, group: LocalGroup, by) -> None:
    """Removes the listing and, with it, any join requests still waiting. The organisation's
    log keeps the removal."""
    with transaction.atomic():
        local_group_audit(
            group=group, by=by, action=AuditEvent.Action.GROUP_REMOVE, detail=group.name
        )
        group.delete()


# Join requests ------------------------------------------------------------------------------


def join_requests_purge_expired() -> int:
    deleted, _ = JoinRequest.objects.filter(expires_on__lt=timezone.localdate()).delete()
    return deleted


def _send(
    *, subject: str, template: str, context: dict, to: str, reply_to: str = "", quiet=False
) -> None:
    EmailMessage(
        subject=_one_line(subject),
        body=render_to_string(template, context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        reply_to=[reply_to] if reply_to else None,
    ).send(fail_silently=quiet)


def join_request_send(
    *, group: LocalGroup, message: str, worker_email: str, absolute_url
) -> JoinRequest:
    """Email the worker's message to the group's contact with a one-time reply link.

    `absolute_url(path)` makes a full link (the view passes request.build_absolute_uri). The
    contact is not told the worker's address and cannot reply to this email: the only way back
    is the link. If the mail cannot be sent, nothing is kept and the worker is told.
    """
    if not (group.approved and group.network.approved):
        raise JoinError("This group is not taking requests through Free Association.")
    if group.join_requests.count() >= MAX_WAITING_PER_GROUP:
        raise JoinError(
            "This group's contact has many messages waiting for an answer. Please try again in "
            "a few days, or look for another group below."
        )
    token = secrets.token_urlsafe(24)
    request = JoinRequest.objects.create(
        group=group,
        message=message.strip(),
        worker_email=worker_email,
        token_hash=digest(token),
        expires_on=timezone.localdate() + datetime.timedelta(days=join_request_days()),
    )
    reply_url = absolute_url(reverse("groups:reply") + f"?t={token}")
    try:
        _send(
            subject=f"Someone would like to join {group.name}",
            template="groups/email/join_request.txt",
            context={
                "group": group,
                "message": request.message,
                "reply_url": reply_url,
                "expires_on": request.expires_on,
            },
            to=group.contact_email,
        )
    except Exception as exc:  # any mail failure: keep nothing, tell the worker plainly
        request.delete()
        raise JoinError(
            "We could not send your message just now. Nothing has been kept; please try again "
            "later."
        ) from exc
    return request


def join_request_for_token(token: str) -> JoinRequest | None:
    if not token or len(token) > 100:
        return None
    request = (
        JoinRequest.objects.select_related("group__network")
        .filter(token_hash=digest(token))
        .first()
    )
    if request is None or request.expires_on < timezone.localdate():
        return None
    return request


def join_reply_send(*, token: str, reply: str) -> LocalGroup:
    """Pass the contact's reply to the worker, give each the other's address, and forget the
    request. The row is locked while the mail goes, so a double click sends one reply."""
    with transaction.atomic():
        request = (
            JoinRequest.objects.select_for_update()
            .select_related("group")
            .filter(token_hash=digest(token), expires_on__gte=timezone.localdate())
            .first()
        )
        if request is None:
            raise JoinError(
                "This reply link has already been used or has expired. Requests are deleted "
                f"once answered, or after {join_request_days()} days."
            )
        group = request.group
        context = {
            "group": group,
            "message": request.message,
            "reply": reply.strip(),
            "worker_email": request.worker_email,
            "contact_email": group.contact_email,
        }
        try:
            _send(
                subject=f"{group.name} has answered your message",
                template="groups/email/reply_to_worker.txt",
                context=context,
                to=request.worker_email,
                reply_to=group.contact_email,
            )
        except Exception as exc:
            raise JoinError(
                "We could not send your reply just now. Nothing was sent; please try again "
                "later with the same link."
            ) from exc
        # The worker has the reply and the contact's address; the contact's copy (with the
        # worker's address) is a courtesy, so a failure here must not send the reply twice.
        _send(
            subject=f"Your reply has been sent: someone who asked to join {group.name}",
            template="groups/email/reply_copy.txt",
            context=context,
            to=group.contact_email,
            reply_to=request.worker_email,
            quiet=True,
        )
        request.delete()
    return group


def join_request_discard(*, token: str) -> bool:
    """The contact deletes a request without answering (not for us, or spam)."""
    deleted, _ = JoinRequest.objects.filter(token_hash=digest(token)).delete()
    return bool(deleted)
