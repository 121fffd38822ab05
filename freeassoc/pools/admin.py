"""Pools are made by the platform's staff, here, and given a steward: a named owner of a member
organisation, or nobody (the staff themselves). Invitations are sent by the steward on the
pool's invitations page, which audits them; here they are read only."""

from django import forms
from django.contrib import admin

from freeassoc.surveys import instrument as instruments

from .models import Pool, PoolContribution, PoolInvitation


class PoolForm(forms.ModelForm):
    instrument = forms.ChoiceField(
        label="Questionnaire", help_text="Only surveys of this questionnaire can join."
    )

    class Meta:
        model = Pool
        fields = [
            "name", "slug", "description", "instrument", "disclosure_k", "published", "steward",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = [
            (key, f"{i.title} (version {i.version})") for key, i in instruments.available().items()
        ]
        if self.instance.pk:
            self.initial["instrument"] = self.instance.instrument_key

    def clean(self):
        data = super().clean()
        if key := data.get("instrument"):
            instrument = instruments.available()[key]
            self.instance.instrument_slug = instrument.slug
            self.instance.instrument_version = instrument.version
        return data


class ContributionInline(admin.TabularInline):
    """Read only: consent is given and withdrawn by the organisation's owners, not staff."""

    model = PoolContribution
    extra = 0
    can_delete = False
    fields = ["survey", "consented_by", "consented_at", "withdrawn_by", "withdrawn_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class InvitationInline(admin.TabularInline):
    """Read only: the steward invites on the pool's invitations page; owners answer."""

    model = PoolInvitation
    extra = 0
    can_delete = False
    fields = ["organisation", "invited_by", "invited_at", "declined_by", "declined_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Pool)
class PoolAdmin(admin.ModelAdmin):
    form = PoolForm
    list_display = ["name", "slug", "instrument_slug", "instrument_version", "published"]
    prepopulated_fields = {"slug": ["name"]}
    raw_id_fields = ["steward"]  # never a drop-down of every account
    inlines = [InvitationInline, ContributionInline]
