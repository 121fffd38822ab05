from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from .readers import SUFFIXES


def max_upload_bytes() -> int:
    return int(float(settings.FREEASSOC_IMPORT_MAX_MB) * 1024 * 1024)


MAPPING_MAX_BYTES = 1024 * 1024


class UploadForm(forms.Form):
    data = forms.FileField(
        label="Data file",
        help_text="Exported from the other survey tool: a .csv, .xlsx or SPSS .sav file.",
    )
    mapping = forms.FileField(
        label="Mapping file",
        help_text="A .yaml file that says which of their columns and codes are which of ours.",
    )

    def clean_data(self):
        data = self.cleaned_data["data"]
        suffix = "." + data.name.rsplit(".", 1)[-1].lower() if "." in data.name else ""
        if suffix not in SUFFIXES:
            raise forms.ValidationError(
                "We can read .csv, .xlsx and .sav files. Save the export in one of those formats."
            )
        if data.size > max_upload_bytes():
            raise forms.ValidationError(
                f"The file is {filesizeformat(data.size)}; the largest we accept here is "
                f"{filesizeformat(max_upload_bytes())}. Split it into parts, or ask your "
                "administrator to run the import from the command line."
            )
        if data.size == 0:
            raise forms.ValidationError("The data file is empty.")
        return data

    def clean_mapping(self):
        mapping = self.cleaned_data["mapping"]
        if mapping.size > MAPPING_MAX_BYTES:
            raise forms.ValidationError("A mapping file is a short text file; this one is too big.")
        try:
            return mapping.read().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(
                "The mapping file is not text (UTF-8). Save it as plain text with a .yaml name."
            ) from exc
