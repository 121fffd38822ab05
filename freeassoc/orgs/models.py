from django.conf import settings
from django.db import models


class Organisation(models.Model):
    """A member organisation. Employers and providers of services are never members."""

    class Kind(models.TextChoices):
        UNION = "union", "Trade union"
        SERVICE_USER = "service_user", "Service-user or disability network"
        PROFESSIONAL = "professional", "Professional body"
        WORKERS_GROUP = "workers_group", "Self-organised workers' group"
        CAMPAIGN = "campaign", "Campaign"
        RESEARCH = "research", "Research group"

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    approved = models.BooleanField(default=False)
    created_on = models.DateField(auto_now_add=True)
    # Who the platform's administrators write to about the application (approval, refusal).
    contact_name = models.CharField(max_length=120, blank=True)
    contact_email = models.EmailField(blank=True)
    # Set when an administrator approves or refuses: not approved and not reviewed is pending.
    reviewed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_pending(self) -> bool:
        return not self.approved and self.reviewed_on is None

    @property
    def is_refused(self) -> bool:
        return not self.approved and self.reviewed_on is not None


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        ORGANISER = "organiser", "Organiser"
        ANALYST = "analyst", "Analyst"
        DELEGATE = "delegate", "Delegate"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="one_role_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organisation}"

    # Who may run surveys (create, open, close, issue invitations) and who may read answers.
    RUNS_SURVEYS = {Role.OWNER, Role.ORGANISER}
    SEES_RESULTS = {Role.OWNER, Role.ORGANISER, Role.ANALYST}


class AuditEvent(models.Model):
    """Who saw or took what, or changed what. Staff actions only: respondents never appear
    here."""

    class Action(models.TextChoices):
        SIGN_IN = "sign_in", "Signed in"
        ROLE_CHANGE = "role_change", "Changed a role"
        MICRODATA_VIEW = "microdata_view", "Viewed microdata"
        FREE_TEXT_VIEW = "free_text_view", "Read free-text answers"
        EXPORT = "export", "Exported microdata"
        DELETE = "delete", "Deleted a data set"
        INVITATION = "invitation", "Invited someone"
        MEMBER_REMOVE = "member_remove", "Removed a member"
        IMPORT = "import", "Imported responses"
        PUBLISH = "publish", "Published or withdrew findings"
        POOL_INVITATION = "pool_invitation", "Was invited to contribute to a pool"
        POOL_DECLINE = "pool_decline", "Declined to contribute to a pool"
        POOL_CONSENT = "pool_consent", "Contributed a data set to a pool"
        POOL_WITHDRAW = "pool_withdraw", "Withdrew a data set from a pool"
        API_KEY_CREATE = "api_key_create", "Made an API key"
        API_KEY_REVOKE = "api_key_revoke", "Revoked an API key"
        TWO_FACTOR_RESET = "two_factor_reset", "Reset someone's two-factor sign-in"
        GROUP_LIST = "group_list", "Listed a local group"
        GROUP_CHANGE = "group_change", "Changed a local group"
        GROUP_REMOVE = "group_remove", "Removed a local group"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="audit_events"
    )
    # A local group's changes are written to the log of the organisation that lists it, and
    # name the group so that its own history can be shown to its contact. Kept (empty) when
    # the group is removed: the organisation's log still says who removed it.
    group = models.ForeignKey(
        "groups.LocalGroup",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150)  # kept if the account is deleted
    action = models.CharField(max_length=20, choices=Action.choices)
    detail = models.CharField(max_length=300)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.get_action_display()}"


class Invitation(models.Model):
    """An owner's invitation to join, sent by email as a single-use link.

    Only a hash of the link's token is kept: someone who reads the database cannot use a
    pending invitation. Accepting spends it; an unused one expires."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Membership.Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.email} · {self.get_role_display()} · {self.organisation}"

    def usable(self, now) -> bool:
        return self.accepted_at is None and now < self.expires_at
