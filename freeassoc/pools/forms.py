from django import forms


class ConsentForm(forms.Form):
    agree = forms.BooleanField(
        label="I am an owner of this organisation and I agree, on its behalf, to contribute "
        "this data set to the pool on the terms above.",
        error_messages={"required": "Tick the box to show that you agree, or leave the pool."},
    )
