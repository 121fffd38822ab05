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

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


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
    """Who saw or took what. Staff actions only: respondents never appear here."""

    class Action(models.TextChoices):
        SIGN_IN = "sign_in", "Signed in"
        ROLE_CHANGE = "role_change", "Changed a role"
        MICRODATA_VIEW = "microdata_view", "Viewed microdata"
        FREE_TEXT_VIEW = "free_text_view", "Read free-text answers"
        EXPORT = "export", "Exported microdata"
        DELETE = "delete", "Deleted a data set"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="audit_events"
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
