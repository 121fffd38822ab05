"""What changes the state of findings: publishing a survey's findings, and taking them back."""

from django.db import transaction

from freeassoc.orgs.models import AuditEvent
from freeassoc.orgs.services import audit_record
from freeassoc.surveys.models import Survey


@transaction.atomic
def survey_set_published(*, survey: Survey, published: bool, user=None) -> Survey:
    """Publish (or unpublish) a survey's findings: once published, anyone may read the page,
    the PDF, the CSV and the JSON -- all of them after disclosure control, as the
    organisation's own analysts see them. Microdata stays with the organisation either way."""
    survey.published = published
    survey.save(update_fields=["published"])
    audit_record(
        organisation=survey.organisation,
        user=user,
        action=AuditEvent.Action.PUBLISH,
        detail=f"{'Published' if published else 'Unpublished'} the findings of '{survey.title}'",
    )
    return survey
