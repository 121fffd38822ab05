import re

from django import forms

from . import postcodes
from .models import LocalGroup, Network

REGION_CHOICES = [("", "Choose a region"), *postcodes.REGIONS]

EMPLOYER = "employer"
EMPLOYER_REFUSAL = (
    "We cannot list employers or providers of services. Free Association is for workers' and "
    "service users' own organisations, so that they can organise and negotiate independently; "
    "employers and providers cannot be members of the platform."
)

_LINK = re.compile(r"https?://|www\.", re.IGNORECASE)


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Your postcode",
        max_length=40,
        required=False,
        help_text="A full postcode such as M1 1AE, or just the first part, M1. We only use its "
        "first letters, and we don't keep it.",
        widget=forms.TextInput(
            attrs={"autocomplete": "postal-code", "autocapitalize": "characters", "size": 10}
        ),
    )
    region = forms.ChoiceField(label="Your region", choices=REGION_CHOICES, required=False)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if data.get("q"):
            try:
                data["area"] = postcodes.parse(data["q"])
            except postcodes.PostcodeError as exc:
                self.add_error("q", str(exc))
        elif not data.get("region"):
            self.add_error("q", "Enter a postcode, or choose a region.")
        return data


class JoinForm(forms.Form):
    message = forms.CharField(
        error_messages={"required": "Write a message to the group."},
        label="Your message to the group",
        min_length=10,
        max_length=1500,
        help_text="Say a little about yourself and what you are looking for. You don't need to "
        "give your name or your employer.",
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    email = forms.EmailField(
        error_messages={"required": "Enter your email address, so that the group can answer you."},
        label="Your email address",
        max_length=254,
        help_text="So that the group can answer you. It is not shown to them until they reply.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean_message(self):
        message = self.cleaned_data["message"].strip()
        if len(_LINK.findall(message)) > 2:
            raise forms.ValidationError(
                "Please take out the links: a message with more than two looks like spam to us."
            )
        return message


class ReplyForm(forms.Form):
    reply = forms.CharField(
        error_messages={"required": "Write your reply."},
        label="Your reply",
        max_length=3000,
        help_text="For example, when and where the group next meets, and how to come along.",
        widget=forms.Textarea(attrs={"rows": 7}),
    )


class ListingRequestForm(forms.Form):
    name = forms.CharField(
        label="Name of the organisation",
        max_length=200,
        error_messages={"required": "Enter the organisation's name."},
    )
    kind = forms.ChoiceField(
        error_messages={"required": "Choose what kind of organisation it is."},
        label="What kind of organisation is it?",
        choices=[
            *Network.KIND_CHOICES,
            (
                EMPLOYER,
                "An employer, or a provider of services (for example an NHS trust, a company or "
                "a charity that runs services)",
            ),
        ],
        widget=forms.RadioSelect,
    )
    description = forms.CharField(
        error_messages={"required": "Say in one line what the organisation does."},
        label="What it does, in one line",
        max_length=300,
        help_text="Who it is for and what it does. At most 300 characters.",
    )
    site = forms.URLField(
        label="Its web site (optional)",
        required=False,
        max_length=200,
        assume_scheme="https",
        help_text="Shown in the directory once the listing is approved.",
        # A text box (site.css styles those), with the phone's web-address keyboard.
        widget=forms.TextInput(attrs={"inputmode": "url", "autocomplete": "url"}),
    )
    contact_email = forms.EmailField(
        label="An email address for our administrators",
        error_messages={
            "required": "Enter an email address, so that we can check the request with you."
        },
        max_length=254,
        help_text="Only to check the request with you. It is never shown on the site.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    note = forms.CharField(
        label="Anything else we should know (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean_kind(self):
        kind = self.cleaned_data["kind"]
        if kind == EMPLOYER:
            raise forms.ValidationError(EMPLOYER_REFUSAL)
        return kind


class LocalGroupForm(forms.Form):
    organisation = forms.ModelChoiceField(
        error_messages={"required": "Choose your organisation."},
        label="Your organisation",
        queryset=None,
        empty_label=None,
    )
    network = forms.ModelChoiceField(
        error_messages={"required": "Choose the network the group belongs to."},
        label="The network it belongs to",
        queryset=Network.objects.filter(approved=True),
        empty_label="Choose a network",
        help_text="Not in the list? Ask for the network to be listed first.",
    )
    name = forms.CharField(
        label="Name of the group",
        max_length=120,
        error_messages={"required": "Enter the group's name."},
    )
    meets = forms.ChoiceField(
        error_messages={"required": "Say whether the group meets in person or online."},
        label="How does it meet?",
        choices=LocalGroup.Meets.choices,
        widget=forms.RadioSelect,
    )
    town = forms.CharField(
        label="Town or city it meets in",
        max_length=80,
        required=False,
        help_text="Leave empty for an online group. Don't give the address of the meeting: "
        "you can send it to people who ask to join.",
    )
    region = forms.ChoiceField(
        label="Region",
        choices=[("", "Online groups only: anywhere in the UK"), *postcodes.REGIONS],
        required=False,
    )
    areas = forms.CharField(
        label="Postcode areas it covers",
        max_length=200,
        required=False,
        help_text="The first letters of the postcodes where members live or work, with spaces "
        "between them: for example M SK OL. Leave empty for an online group.",
        widget=forms.TextInput(attrs={"autocapitalize": "characters"}),
    )
    frequency = forms.ChoiceField(
        error_messages={"required": "Choose how often the group meets."},
        label="How often does it meet?",
        choices=LocalGroup.Frequency.choices,
        widget=forms.RadioSelect,
    )
    who_for = forms.CharField(
        error_messages={"required": "Say who the group is for."},
        label="Who is it for?",
        max_length=300,
        help_text="For example: counsellors and therapists working in NHS Talking Therapies "
        "services in Greater Manchester.",
    )
    contact_email = forms.EmailField(
        label="Contact email for join requests",
        error_messages={"required": "Enter the email address that join requests should go to."},
        max_length=254,
        help_text="Requests to join are sent here. It is never shown on the site, and the "
        "person asking learns it only when you reply.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations

    def clean_areas(self):
        try:
            return postcodes.parse_area_list(self.cleaned_data["areas"])
        except postcodes.PostcodeError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean(self):
        data = super().clean()
        if data.get("meets") == LocalGroup.Meets.IN_PERSON:
            if not data.get("town", "").strip() and "town" not in self.errors:
                self.add_error("town", "Give the town or city where the group meets.")
            if not data.get("region") and "region" not in self.errors:
                self.add_error("region", "Choose the region where the group meets.")
            if not data.get("areas") and "areas" not in self.errors:
                self.add_error(
                    "areas", "Give at least one postcode area, so that people nearby find it."
                )
        return data
