"""Organisations: registering one, approving it, its members, invitations, the audit log, and
two-factor sign-in."""

from base64 import b32encode
from urllib.parse import quote, urlencode

import segno
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import user_has_device

from freeassoc.core import ratelimit

from . import access, selectors, services
from .forms import (
    CodeForm,
    InvitationAcceptForm,
    InviteForm,
    OrganisationRegisterForm,
    RoleForm,
    SetupCodeForm,
)
from .models import Invitation, Membership, Organisation

REGISTER_RATE = "10/h"
INVITATION_RATE = "20/h"

# Accounts made here sign in straight away; axes' backend needs a request with credentials.
_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# Registering and approving ------------------------------------------------------------------


def _too_many(request, group: str, rate: str):
    """Anonymous forms that make accounts: a brake on scripts, without keeping addresses."""
    if request.method == "POST" and ratelimit.hit(request, group, rate):
        return render(request, "core/rate_limited.html", status=429)
    return None


def register(request):
    if refusal := _too_many(request, "org-register", REGISTER_RATE):
        return refusal
    form = OrganisationRegisterForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            if form.makes_account:
                owner = get_user_model().objects.create_user(
                    data["username"], email=data["email"], password=data["password1"]
                )
            else:
                owner = request.user
            try:
                organisation = services.organisation_register(
                    name=data["name"],
                    kind=data["kind"],
                    contact_name=data["contact_name"],
                    contact_email=data["contact_email"],
                    owner=owner,
                )
            except ValidationError as exc:
                form.add_error("name", exc)
                transaction.set_rollback(True)
                organisation = None
        if organisation is not None:
            if form.makes_account:
                login(request, owner, backend=_BACKEND)
            messages.success(
                request,
                f"Thank you. {organisation.name} is registered and waits for the platform's "
                "administrators to approve it.",
            )
            return redirect("orgs:mine")
    return render(request, "orgs/register.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def approvals(request):
    access.require_staff(request.user)
    return render(
        request,
        "orgs/approvals.html",
        {
            "pending": selectors.organisations_to_review(),
            "reviewed": selectors.organisations_reviewed(),
        },
    )


@login_required
@require_POST
def review(request, pk):
    access.require_staff(request.user)
    organisation = get_object_or_404(Organisation, pk=pk)
    decision = request.POST.get("decision")
    if decision == "approve":
        services.organisation_approve(organisation=organisation)
        messages.success(request, f"{organisation.name} is approved.")
    elif decision == "refuse":
        services.organisation_refuse(organisation=organisation)
        messages.success(request, f"{organisation.name} is refused.")
    else:
        messages.error(request, "Choose Approve or Refuse.")
    return redirect("orgs:approvals")


# Members ----------------------------------------------------------------------------------


@login_required
def mine(request):
    return render(
        request,
        "orgs/mine.html",
        {
            "memberships": selectors.memberships_for_user(request.user),
            "has_authenticator": selectors.has_authenticator(request.user),
        },
    )


def _members_page(request, organisation, invite_form, status=200):
    return render(
        request,
        "orgs/members.html",
        {
            "organisation": organisation,
            "members": selectors.members_of(organisation),
            "invitations": selectors.pending_invitations(organisation),
            "roles": Membership.Role.choices,
            "invite_form": invite_form,
            "invitation_days": services.INVITATION_DAYS,
        },
        status=status,
    )


@login_required
def members(request, slug):
    organisation = access.organisation_for_owner(request.user, slug)
    form = InviteForm(request.POST or None, organisation=organisation)
    if request.method == "POST":
        if not form.is_valid():
            return _members_page(request, organisation, form, status=400)
        invitation = services.invitation_send(
            organisation=organisation,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            by=request.user,
            link_for=lambda token: request.build_absolute_uri(
                reverse("orgs:invitation", args=[token])
            ),
        )
        messages.success(request, f"Invitation sent to {invitation.email}.")
        return redirect("orgs:members", slug=organisation.slug)
    return _members_page(request, organisation, form)


def _membership(organisation, membership_id) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("user", "organisation"),
        pk=membership_id,
        organisation=organisation,
    )


@login_required
@require_POST
def member_role(request, slug, membership_id):
    organisation = access.organisation_for_owner(request.user, slug)
    membership = _membership(organisation, membership_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the roles.")
    else:
        try:
            services.member_set_role(
                membership=membership, role=form.cleaned_data["role"], by=request.user
            )
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(request, f"{membership.user.get_username()}'s role is changed.")
    return redirect("orgs:members", slug=organisation.slug)


@login_required
@require_POST
def member_remove(request, slug, membership_id):
    organisation = access.organisation_for_owner(request.user, slug)
    membership = _membership(organisation, membership_id)
    try:
        services.member_remove(membership=membership, by=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(
            request, f"{membership.user.get_username()} is no longer a member of {organisation}."
        )
    return redirect("orgs:members", slug=organisation.slug)


@login_required
@require_POST
def member_two_factor_reset(request, slug, membership_id):
    organisation = access.organisation_for_owner(request.user, slug)
    membership = _membership(organisation, membership_id)
    try:
        services.member_two_factor_reset(membership=membership, by=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(
            request,
            f"{membership.user.get_username()}'s two-factor sign-in is reset: they set up a new "
            "authenticator app the next time they sign in.",
        )
    return redirect("orgs:members", slug=organisation.slug)


@login_required
@require_POST
def invitation_withdraw(request, slug, pk):
    organisation = access.organisation_for_owner(request.user, slug)
    invitation = get_object_or_404(
        Invitation, pk=pk, organisation=organisation, accepted_at__isnull=True
    )
    services.invitation_revoke(invitation=invitation, by=request.user)
    messages.success(request, f"The invitation to {invitation.email} is withdrawn.")
    return redirect("orgs:members", slug=organisation.slug)


@never_cache
def invitation(request, token):
    if refusal := _too_many(request, "org-invitation", INVITATION_RATE):
        return refusal
    try:
        invite = services.invitation_by_token(token)
    except services.InvitationError as exc:
        return render(request, "orgs/invitation_gone.html", {"reason": str(exc)}, status=410)
    signed_in = request.user.is_authenticated
    form = None if signed_in else InvitationAcceptForm(request.POST or None, email=invite.email)
    if request.method == "POST" and (signed_in or form.is_valid()):
        try:
            if signed_in:
                membership = services.invitation_accept(token=token, user=request.user)
            else:
                membership = services.invitation_accept(
                    token=token,
                    username=form.cleaned_data["username"],
                    password=form.cleaned_data["password1"],
                )
                login(request, membership.user, backend=_BACKEND)
        except services.InvitationError as exc:
            return render(request, "orgs/invitation_gone.html", {"reason": str(exc)}, status=410)
        except ValidationError as exc:
            form.add_error("username", exc)
        else:
            messages.success(
                request,
                f"Welcome to {membership.organisation.name}. You are "
                f"{membership.get_role_display().lower()}.",
            )
            return redirect("orgs:mine")
    login_url = reverse("login") + "?" + urlencode({"next": request.get_full_path()})
    return render(
        request,
        "orgs/invitation.html",
        {"invitation": invite, "form": form, "login_url": login_url},
        status=400 if form is not None and form.errors else 200,
    )


@login_required
def audit(request, slug):
    organisation = access.organisation_for_owner(request.user, slug)
    return render(
        request,
        "orgs/audit.html",
        {
            "organisation": organisation,
            "page": selectors.audit_page(organisation, request.GET.get("page")),
        },
    )


# Two-factor sign-in --------------------------------------------------------------------------


ISSUER = "Free Association"


def _config_url(device) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    label = quote(f"{ISSUER}:{device.user.get_username()}")
    params = urlencode(
        {
            "secret": b32encode(device.bin_key).decode().rstrip("="),
            "issuer": ISSUER,
            "algorithm": "SHA1",
            "digits": device.digits,
            "period": device.step,
        },
        quote_via=quote,
    )
    return f"otpauth://totp/{label}?{params}"


def _qr_svg(device) -> str:
    """The QR code as inline SVG, made here: the secret never goes to another server."""
    return segno.make(_config_url(device), error="m").svg_inline(
        scale=4, border=4, light="#fff", dark="#000", title="QR code for your authenticator app"
    )


def _secret_text(device) -> str:
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@never_cache
@login_required
def two_factor(request):
    """The second step of signing in."""
    user = request.user
    if access.is_verified(user):
        return redirect(_next_url(request, reverse("surveys:dashboard")))
    if not user_has_device(user):
        return redirect(
            reverse("orgs:two_factor_setup") + "?" + urlencode({"next": _next_url(request, "")})
        )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.second_factor_check(user=user, code=form.cleaned_data["code"])
        except services.CodeRefused as exc:
            form.add_error("code", exc.message)
        else:
            services.two_factor_done(request=request, device=device)
            left = selectors.backup_codes_left(user)
            if not hasattr(device, "key") and left < 3:
                messages.warning(
                    request,
                    f"You have {left} backup code{'s' if left != 1 else ''} left: make new "
                    "ones on the two-factor page.",
                )
            return redirect(_next_url(request, reverse("surveys:dashboard")))
    return render(
        request,
        "orgs/two_factor.html",
        {"form": form, "next": _next_url(request, "")},
        status=400 if form.errors else 200,
    )


@never_cache
@login_required
def two_factor_setup(request):
    user = request.user
    if user_has_device(user) and not access.is_verified(user):
        # Someone who knows only the password must not add an authenticator of their own:
        # an account with any second factor (an app, or backup codes alone) shows it first.
        # Only an account with none (new, or reset by an owner) sets one up straight away.
        return redirect(
            reverse("orgs:two_factor") + "?" + urlencode({"next": _next_url(request, "")})
        )
    has_app = selectors.has_authenticator(user)
    if has_app and request.GET.get("replace") != "1" and request.method == "GET":
        return render(
            request,
            "orgs/two_factor_status.html",
            {"backup_codes_left": selectors.backup_codes_left(user)},
        )
    device = services.totp_device_for_setup(user=user)
    form = SetupCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.totp_confirm(device=device, code=form.cleaned_data["code"])
        except services.CodeRefused as exc:
            form.add_error("code", exc.message)
        else:
            device.refresh_from_db()
            services.two_factor_done(request=request, device=device)
            codes = services.backup_codes_replace(user=user)
            return render(
                request,
                "orgs/backup_codes.html",
                {"codes": codes, "next": _next_url(request, reverse("orgs:mine"))},
            )
    return render(
        request,
        "orgs/two_factor_setup.html",
        {
            "form": form,
            "qr": _qr_svg(device),
            "secret": _secret_text(device),
            "replacing": has_app,
            "next": _next_url(request, ""),
        },
        status=400 if form.errors else 200,
    )


@never_cache
@login_required
@require_POST
def backup_codes(request):
    if not access.is_verified(request.user):
        raise Http404("No such page.")
    codes = services.backup_codes_replace(user=request.user)
    return render(request, "orgs/backup_codes.html", {"codes": codes, "next": reverse("orgs:mine")})
