"""{% load surgeries %}{% grievances_panel %}: the collective grievances beside the findings."""

from django import template

from ..disclosure import K
from ..selectors import grievances_top

register = template.Library()


@register.inclusion_tag("surgeries/_grievances_panel.html")
def grievances_panel(limit: int = 5):
    return {"rows": grievances_top(limit=limit), "k": K}
