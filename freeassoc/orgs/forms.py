from django import forms
from django.contrib.auth import get_user_model, password_validation

from .models import Membership, Organisation

EMPLOYER_QUESTION = (
    "Is your organisation an employer or provider of mental-health services, or a body of "
    "employers?"
)
EMPLOYER_HELP = (
    "Free Association exists for workers and for the people who use services. Employers, "
    "providers of services (NHS trusts, private companies, charities that run services) and "
    "employers' bodies are the other side of the negotiating table, so they cannot be members. "
    "Every union, network, professional body, workers' group, campaign and research group is "
    "welcome."
)
EMPLOYER_REFUSAL = (
    "We cannot register an employer, a provider of services or a body of employers. Free "
    "Association is where workers and service users organise and pool their evidence; "
    "employers are the other side of the table. If you work for one, you are welcome to join a "
    "union or a workers' group that is a member."
)


class _AccountFields(forms.Form):
    """A new account: username and a password checked by the site's password rules."""

    username = forms.CharField(
        max_length=150,
        help_text="Letters, digits and @ . + - _ only. Other members see it in the audit log.",
        widget=forms.TextInput(attrs={"autocomplete": "username", "spellcheck": "false"}),
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        help_text="At least 8 characters, not a common password. A phrase of four or more "
        "words is easy to remember.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    account_email_field = "email"

    def clean_username(self):
        User = get_user_model()
        username = self.cleaned_data["username"]
        User.username_validator(username)
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("That username is taken: choose another.")
        return username

    def _account_email(self) -> str:
        return self.cleaned_data.get(self.account_email_field, "")

    def clean(self):
        cleaned = super().clean()
        one, two = cleaned.get("password1"), cleaned.get("password2")
        if one and two and one != two:
            self.add_error("password2", "The two passwords are not the same.")
        elif one:
            User = get_user_model()
            candidate = User(username=cleaned.get("username", ""), email=self._account_email())
            try:
                password_validation.validate_password(one, candidate)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class OrganisationRegisterForm(_AccountFields):
    name = forms.CharField(label="Name of the organisation", max_length=200)
    kind = forms.ChoiceField(
        label="What kind of organisation is it?",
        choices=Organisation.Kind.choices,
        widget=forms.RadioSelect,
    )
    employer = forms.ChoiceField(
        label=EMPLOYER_QUESTION,
        choices=[("no", "No"), ("yes", "Yes")],
        widget=forms.RadioSelect,
        help_text=EMPLOYER_HELP,
    )
    contact_name = forms.CharField(
        label="Contact person",
        max_length=120,
        help_text="Who the platform's administrators can write to about this application.",
    )
    contact_email = forms.EmailField(label="Contact email address")
    email = forms.EmailField(
        label="Your email address",
        help_text="For your account: password resets and invitations. Never shown to others.",
    )

    field_order = [
        "name",
        "kind",
        "employer",
        "contact_name",
        "contact_email",
        "username",
        "email",
        "password1",
        "password2",
    ]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None and user.is_authenticated:
            # A signed-in person becomes the first owner: no new account to make.
            for name in ("username", "email", "password1", "password2"):
                del self.fields[name]

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if Organisation.objects.filter(name__iexact=name).exists():
            raise forms.ValidationError("An organisation with this name is already registered.")
        return name

    def clean_employer(self):
        if self.cleaned_data["employer"] != "no":
            raise forms.ValidationError(EMPLOYER_REFUSAL)
        return "no"

    def clean(self):
        if "password1" not in self.fields:
            return forms.Form.clean(self)
        return super().clean()

    @property
    def makes_account(self) -> bool:
        return "username" in self.fields


class InvitationAcceptForm(_AccountFields):
    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self._email = email

    def _account_email(self) -> str:
        return self._email


class InviteForm(forms.Form):
    email = forms.EmailField(label="Their email address")
    role = forms.ChoiceField(
        label="Role",
        choices=Membership.Role.choices,
        widget=forms.RadioSelect,
        help_text="Owners manage members and read the audit log; organisers run surveys and "
        "surgeries; analysts read results and microdata; delegates speak for the "
        "organisation on the negotiating platform. Everyone signs in with a code from an "
        "authenticator app too.",
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if Membership.objects.filter(
            organisation=self.organisation, user__email__iexact=email
        ).exists():
            raise forms.ValidationError("Someone with this email address is already a member.")
        return email


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices)


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        help_text="The six digits your authenticator app shows now, or one of your backup codes.",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "spellcheck": "false",
                "autocapitalize": "off",
            }
        ),
    )


class SetupCodeForm(forms.Form):
    code = forms.CharField(
        label="Code from the app",
        max_length=10,
        help_text="Six digits.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )
