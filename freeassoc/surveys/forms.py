"""Forms built from the instrument: one Django form per questionnaire page."""

from dataclasses import dataclass

from django import forms

from freeassoc.orgs.models import Membership, Organisation

from . import instrument as instruments
from .instrument import PREFER_NOT, Page, Question
from .models import Collector


def _condition_hint(question: Question, instrument) -> str:
    condition = question.show_if
    target = instrument.questions[condition.question]
    answers = " or ".join(f"“{target.label_for(c)}”" for c in condition.any_of)
    return f"Answer this only if you answered {answers} to “{target.label}”"


class NumberBoundField(forms.BoundField):
    """A number question's range hint ("A whole number from 0 to 80.") is read out with the
    input, like its help text and error; the page template gives the hint this id."""

    @property
    def range_id(self) -> str:
        return f"{self.auto_id}_range" if self.auto_id else ""

    @property
    def aria_describedby(self):
        if self.field.widget.attrs.get("aria-describedby") or not self.auto_id:
            return super().aria_describedby
        ids = [f"{self.auto_id}_helptext"] if self.help_text else []
        ids.append(self.range_id)
        if self.errors:
            ids.append(f"{self.auto_id}_error")
        return " ".join(ids)


@dataclass
class Row:
    q: Question
    field: forms.BoundField
    prefer: forms.BoundField | None
    anchor: str  # the element the error summary links to
    grouped: bool  # radios or checkboxes: a fieldset
    controller: str  # same-page condition: the question that shows this one...
    controller_codes: str  # ...and its codes that do, space-separated

    @property
    def summary_errors(self) -> list[str]:
        """The error summary's link texts: the question, then what is wrong, punctuated to be
        read aloud as two sentences ("Do you work for the NHS? Choose an answer."), not as
        "NHS question-mark colon"."""
        label = self.q.label.strip()
        if label and label[-1] not in "?.!:":
            label += ":"
        return [f"{label} {error}" for error in self.field.errors]


class PageForm(forms.Form):
    """The questions of one page that skip logic shows, given earlier answers.

    A question whose condition depends on an answer on the same page is always shown (the form
    works without JavaScript), with a hint, and is only required when its condition holds.
    """

    def __init__(self, *args, page: Page, instrument, answers: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.page, self.instrument, self.answers = page, instrument, answers
        on_page = {q.id for q in page.questions}
        self.questions: list[Question] = []
        self.conditional: dict[str, Question] = {}
        for q in page.questions:
            same_page = q.show_if is not None and q.show_if.question in on_page
            if not same_page and not q.visible(answers):
                continue
            self.questions.append(q)
            if same_page:
                self.conditional[q.id] = q
            self.fields[q.id] = self._field(q, required=q.required and not same_page)
            if q.type == "number" and q.sensitive:
                self.fields[f"{q.id}__{PREFER_NOT}"] = forms.BooleanField(
                    required=False, label=instruments.PREFER_NOT_LABEL
                )
        for q in self.questions:
            initial = answers.get(q.id)
            if q.type == "number" and initial == PREFER_NOT:
                self.initial[f"{q.id}__{PREFER_NOT}"] = True
            elif initial is not None:
                self.initial[q.id] = initial

    def rows(self) -> list["Row"]:
        """What the page template needs for each question."""
        rows = []
        for q in self.questions:
            field = self[q.id]
            name = f"{q.id}__{PREFER_NOT}"
            grouped = q.type in {"single", "multiple", "pay_band"}
            condition = self.conditional.get(q.id)
            rows.append(
                Row(
                    q=q,
                    field=field,
                    prefer=self[name] if name in self.fields else None,
                    anchor=f"{field.auto_id}_0" if grouped else field.auto_id,
                    grouped=grouped,
                    controller=condition.show_if.question if condition else "",
                    controller_codes=" ".join(condition.show_if.any_of) if condition else "",
                )
            )
        return rows

    def _field(self, q: Question, required: bool) -> forms.Field:
        help_text = q.help
        if q.id in self.conditional:
            help_text = (help_text + " " if help_text else "") + _condition_hint(q, self.instrument)
        common = {"label": q.label, "help_text": help_text, "required": required}
        if q.type in {"single", "pay_band"}:
            return forms.ChoiceField(
                choices=q.choices,
                widget=forms.RadioSelect,
                error_messages={"required": "Choose an answer."},
                **common,
            )
        if q.type == "multiple":
            return forms.MultipleChoiceField(
                choices=q.choices,
                widget=forms.CheckboxSelectMultiple,
                error_messages={"required": "Tick at least one answer."},
                **common,
            )
        if q.type == "number":
            common["required"] = required and not q.sensitive
            out_of_range = f"Enter a whole number from {q.min} to {q.max}."
            return forms.IntegerField(
                min_value=q.min,
                max_value=q.max,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                bound_field_class=NumberBoundField,
                error_messages={
                    "required": "Enter a number.",
                    "invalid": out_of_range,
                    "min_value": out_of_range,
                    "max_value": out_of_range,
                },
                **common,
            )
        return forms.CharField(
            max_length=q.max_length,
            widget=forms.Textarea(attrs={"rows": 5}),
            error_messages={
                "max_length": "Please keep this to %(limit_value)d characters or fewer "
                "(it has %(show_value)d)."
            },
            **common,
        )

    def clean(self):
        data = super().clean()
        for q in self.questions:
            if q.type == "multiple":
                chosen = data.get(q.id) or []
                exclusive = [o.label for o in q.options if o.exclusive and o.code in chosen]
                if exclusive and len(chosen) > 1:
                    self.add_error(
                        q.id, f"“{exclusive[0]}” cannot be ticked together with other answers."
                    )
            if q.type == "number" and q.sensitive:
                prefer_not = data.get(f"{q.id}__{PREFER_NOT}")
                if prefer_not and data.get(q.id) is not None:
                    self.add_error(q.id, "Give a number or tick “Prefer not to say”, not both.")
                elif q.required and not prefer_not and data.get(q.id) is None:
                    self.add_error(q.id, "Enter a number, or tick “Prefer not to say”.")
        merged = {**self.answers, **{k: v for k, v in data.items() if v not in (None, "", [])}}
        for qid, q in self.conditional.items():
            if q.show_if.holds(merged) and q.required and data.get(qid) in (None, "", []):
                self.add_error(qid, "This question needs an answer because of your answer above.")
        return data

    def answers_out(self) -> dict:
        """The page's answers in storage form; unanswered optional questions are left out."""
        out = {}
        for q in self.questions:
            value = self.cleaned_data.get(q.id)
            if q.type == "number" and self.cleaned_data.get(f"{q.id}__{PREFER_NOT}"):
                value = PREFER_NOT
            if q.type == "text":
                value = (value or "").strip()
            if value in (None, "", []):
                out[q.id] = None
            else:
                out[q.id] = value
        return out

    def valid_part(self) -> dict:
        """For 'save and finish later' on a page with errors: keep what did validate."""
        self.is_valid()
        out = {}
        for q in self.questions:
            if q.id in self.errors:
                continue
            value = self.cleaned_data.get(q.id)
            if self.cleaned_data.get(f"{q.id}__{PREFER_NOT}"):
                value = PREFER_NOT
            if value not in (None, "", []):
                out[q.id] = value
        return out


class ResumeForm(forms.Form):
    code = forms.CharField(
        label="Your resume code",
        help_text="The code you were shown when you saved, for example ABCD-EFGH-JKMN-PQRS.",
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class SurveyCreateForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none())
    title = forms.CharField(max_length=200)
    instrument = forms.ChoiceField(label="Questionnaire")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(
            approved=True,
            members__user=user,
            members__role__in=Membership.RUNS_SURVEYS,
        )
        self.fields["instrument"].choices = [
            (i.key, f"{i.title} (version {i.version})") for i in instruments.latest().values()
        ]


class CollectorForm(forms.Form):
    kind = forms.ChoiceField(
        choices=Collector.Kind.choices,
        widget=forms.RadioSelect,
        help_text="An open link can be shared anywhere. Invitations are single-use links, one "
        "per person, for a mailing list.",
    )
    name = forms.CharField(
        max_length=120, help_text="For you only, e.g. “Members' newsletter, March”."
    )


class InvitationsForm(forms.Form):
    count = forms.IntegerField(
        label="How many invitations", min_value=1, max_value=10000, initial=100
    )
