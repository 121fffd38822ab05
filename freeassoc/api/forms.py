from django import forms


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label="What the key is for",
        max_length=120,
        help_text="For your records, e.g. “Branch membership database”.",
        error_messages={"required": "Give the key a name, so you can tell it apart later."},
    )
