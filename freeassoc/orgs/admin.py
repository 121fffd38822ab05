from django.contrib import admin

from . import services
from .models import AuditEvent, Invitation, Membership, Organisation


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "approved", "reviewed_on", "created_on"]
    list_filter = ["approved", "kind"]
    search_fields = ["name"]
    inlines = [MembershipInline]
    actions = ["approve", "refuse"]

    @admin.action(description="Approve the selected organisations")
    def approve(self, request, queryset):
        for organisation in queryset:
            services.organisation_approve(organisation=organisation)

    @admin.action(description="Refuse the selected organisations")
    def refuse(self, request, queryset):
        for organisation in queryset:
            services.organisation_refuse(organisation=organisation)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organisation", "role", "created_at", "expires_at", "accepted_at"]
    exclude = ["token_hash"]
    readonly_fields = ["organisation", "email", "role", "invited_by", "expires_at", "accepted_at"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read only: an audit log that can be edited is not one."""

    list_display = ["at", "organisation", "username", "action", "detail"]
    list_filter = ["action"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
