"""What changes the state of organisations, memberships and the audit log."""

from .models import AuditEvent, Organisation


def audit_record(*, organisation: Organisation, user, action: str, detail: str) -> AuditEvent:
    """Write one line of the organisation's audit log (every microdata view and export)."""
    return AuditEvent.objects.create(
        organisation=organisation,
        user=user if user is not None and user.is_authenticated else None,
        username=getattr(user, "username", "") or "(command line)",
        action=action,
        detail=detail[:300],
    )
