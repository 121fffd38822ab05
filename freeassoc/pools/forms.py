from django import forms


class ConsentForm(forms.Form):
    agree = forms.BooleanField(
        label="I am an owner of this organisation and I agree, on its behalf, to contribute "
        "this data set to the pool on the terms above.",
        error_messages={"required": "Tick the box to show that you agree, or leave the pool."},
    )


class InviteForm(forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=None,
        label="Organisation to invite",
        help_text="An approved member organisation. Its owners are told by email; one of them "
        "accepts for each survey they choose to contribute, or declines.",
        error_messages={"invalid_choice": "Choose one of the organisations in the list."},
    )

    def __init__(self, *args, pool, **kwargs):
        from .selectors import organisations_to_invite

        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations_to_invite(pool)
