"""Forms for facilitators and participants. Plain forms; services do the rules across models."""

import datetime

from django import forms
from django.utils import timezone

from freeassoc.groups.models import LocalGroup
from freeassoc.orgs.models import Membership, Organisation

from .access import groups_facilitated_by
from .models import CODE_LENGTH, Problem, Surgery
from .selectors import resource_choices
from .services import MAX_DAYS, MAX_THEMES, normalise_code
from .taxonomy import region_choices, sector_choices, theme_choices

DEFAULT_DAYS = 90


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def _check_delete_on(value: datetime.date) -> datetime.date:
    today = timezone.localdate()
    if value <= today:
        raise forms.ValidationError("Choose a date after today.")
    if value > today + datetime.timedelta(days=MAX_DAYS):
        raise forms.ValidationError(f"Choose a date at most {MAX_DAYS} days from today.")
    return value


class SurgeryCreateForm(forms.Form):
    """Run for one of the user's organisations or one of the local groups whose contact they
    are. A user with only one kind sees only that field; with both, both, and chooses one."""

    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), required=False)
    group = forms.ModelChoiceField(
        label="Local group",
        queryset=LocalGroup.objects.none(),
        required=False,
        help_text="A group whose contact you are. The surgery is in the group's region.",
    )
    title = forms.CharField(
        max_length=120,
        help_text="Everyone who joins sees it. Describe the place without naming anyone, e.g. "
        "“Talking therapies team, north of the city”.",
    )
    kind = forms.ChoiceField(
        label="The surgery is for", choices=Surgery.Kind.choices, widget=forms.RadioSelect
    )
    region = forms.ChoiceField(choices=[("", "Choose a region")] + region_choices())
    sector = forms.ChoiceField(
        label="Main sector", choices=[("", "Choose a sector")] + sector_choices()
    )
    delete_on = forms.DateField(
        label="Delete the content on",
        widget=DateInput(),
        help_text="Problems, notes, steps and pseudonyms are deleted on this day; only anonymous "
        f"counts of the themes raised are kept. At most {MAX_DAYS} days from today: leave time "
        "for a follow-up meeting.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        organisations = Organisation.objects.filter(
            approved=True, members__user=user, members__role__in=Membership.RUNS_SURVEYS
        )
        groups = groups_facilitated_by(user)
        has_organisations, has_groups = organisations.exists(), groups.exists()
        self.can_run = has_organisations or has_groups
        self.fields["organisation"].queryset = organisations
        self.fields["group"].queryset = groups
        if has_organisations and has_groups:
            self.fields["organisation"].empty_label = "Not for an organisation"
            self.fields["group"].empty_label = "Not for a local group"
        elif has_groups:
            del self.fields["organisation"]
            self.fields["group"].required = True
            self.fields["group"].empty_label = "Choose a group"
            mine = list(groups)
            if len(mine) == 1:
                self.fields["group"].initial = mine[0].pk
            regions = {g.region for g in mine}
            if len(regions) == 1:
                self.fields["region"].initial = regions.pop()
        else:
            del self.fields["group"]
            self.fields["organisation"].required = True
        self.fields["delete_on"].initial = timezone.localdate() + datetime.timedelta(
            days=DEFAULT_DAYS
        )

    def clean_delete_on(self):
        return _check_delete_on(self.cleaned_data["delete_on"])

    def clean(self):
        cleaned = super().clean()
        if "organisation" in self.fields and "group" in self.fields:
            chosen = [f for f in ("organisation", "group") if cleaned.get(f)]
            if len(chosen) != 1 and not self.has_error("organisation"):
                self.add_error(
                    "organisation",
                    "Choose either an organisation or a local group, not both."
                    if chosen
                    else "Choose an organisation or a local group.",
                )
        return cleaned


class DeleteOnForm(forms.Form):
    delete_on = forms.DateField(label="Delete the content on", widget=DateInput())

    def clean_delete_on(self):
        return _check_delete_on(self.cleaned_data["delete_on"])


class JoinForm(forms.Form):
    code = forms.CharField(
        label="Meeting code",
        help_text=f"The {CODE_LENGTH} letters and numbers the facilitator shows you.",
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "inputmode": "text",
            }
        ),
    )

    def clean_code(self):
        code = normalise_code(self.cleaned_data["code"])
        if len(code) != CODE_LENGTH:
            raise forms.ValidationError(
                f"A meeting code has {CODE_LENGTH} letters and numbers, like K7M2QX."
            )
        return code


class RulesForm(forms.Form):
    pseudonym = forms.CharField(
        label="A name for today (optional)",
        required=False,
        max_length=40,
        help_text="Not your real name: a first name you make up, an animal, a colour. It is "
        "shown beside the steps you take on. Leave it empty to stay unnamed.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    accept = forms.BooleanField(
        label="I agree to these ground rules",
        error_messages={"required": "Tick the box to agree to the ground rules before you join."},
    )


class ProblemForm(forms.Form):
    text = forms.CharField(
        label="What is the problem?",
        max_length=500,
        help_text="Describe the situation, not the person: no names of colleagues, managers "
        "or patients.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    themes = forms.MultipleChoiceField(
        label="Which themes does it touch?",
        choices=theme_choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=f"Choose from one to {MAX_THEMES}.",
        error_messages={"required": "Choose at least one theme."},
    )

    def clean_themes(self):
        chosen = self.cleaned_data["themes"]
        if len(chosen) > MAX_THEMES:
            raise forms.ValidationError(f"Choose at most {MAX_THEMES} themes.")
        return chosen


class _ProblemChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.text if len(obj.text) <= 80 else obj.text[:79] + "…"


class NoteForm(forms.Form):
    problem = _ProblemChoice(
        label="About which problem?",
        queryset=Problem.objects.none(),
        required=False,
        empty_label="All of them, or in general",
    )
    text = forms.CharField(
        label="What do we know, or what could help?",
        max_length=500,
        help_text="Facts, what has been tried, who could help: a union, a network, a policy.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    resource = forms.ChoiceField(
        label="Point to a resource (optional)", required=False, choices=resource_choices
    )

    def __init__(self, *args, surgery, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["problem"].queryset = surgery.problems.filter(chosen=True, hidden=False)


class ActionForm(forms.Form):
    what = forms.CharField(
        label="What will be done?",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One concrete step, e.g. “Ask the union rep to meet the team”.",
    )
    problem = _ProblemChoice(
        label="For which problem?",
        queryset=Problem.objects.none(),
        required=False,
        empty_label="In general",
    )
    who = forms.CharField(
        label="Who will do it?",
        max_length=40,
        help_text="A pseudonym from today's meeting, or “all of us”. No real names.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "list": "pseudonyms"}),
    )
    by_when = forms.DateField(label="By when? (optional)", required=False, widget=DateInput())

    def __init__(self, *args, surgery, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["problem"].queryset = surgery.problems.filter(chosen=True, hidden=False)

    def clean_by_when(self):
        value = self.cleaned_data.get("by_when")
        if value and value < timezone.localdate():
            raise forms.ValidationError("Choose today or a later date.")
        return value
