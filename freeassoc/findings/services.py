"""What changes the state of findings: publishing a survey's findings, and taking them back."""

from freeassoc.surveys.models import Survey


def survey_set_published(*, survey: Survey, published: bool) -> Survey:
    """Publish (or unpublish) a survey's findings: once published, anyone may read the page,
    the PDF, the CSV and the JSON -- all of them after disclosure control, as the
    organisation's own analysts see them. Microdata stays with the organisation either way."""
    survey.published = published
    survey.save(update_fields=["published"])
    return survey
