"""Platform administrators approve listing requests and can withdraw any listing.

Join requests are deliberately not registered: nobody, administrators included, browses who
asked to join which group. Changes to a local group made here are audited like the
organisers' own (the group's history).
"""

from django.contrib import admin, messages

from freeassoc.orgs.models import AuditEvent

from . import services
from .models import GroupArea, LocalGroup, Network


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "approved", "named_in_essay", "requested_on"]
    list_filter = ["approved", "kind", "named_in_essay"]
    search_fields = ["name", "short_name"]
    prepopulated_fields = {"slug": ["name"]}
    actions = ["approve", "withdraw"]

    @admin.action(description="Approve: list in the directory")
    def approve(self, request, queryset):
        count = services.networks_approve(networks=queryset)
        messages.success(request, f"{count} listed.")

    @admin.action(description="Withdraw from the directory")
    def withdraw(self, request, queryset):
        count = queryset.update(approved=False)
        messages.success(request, f"{count} withdrawn.")


class GroupAreaInline(admin.TabularInline):
    model = GroupArea
    extra = 0


@admin.register(LocalGroup)
class LocalGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "network", "organisation", "region", "meets", "approved"]
    list_filter = ["approved", "meets", "region", "is_synthetic"]
    search_fields = ["name", "town"]
    readonly_fields = ["created_by", "created_on"]
    raw_id_fields = ["contact_user"]  # never a drop-down of every account
    inlines = [GroupAreaInline]
    actions = ["approve", "withdraw"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        group = form.instance
        if not change:
            services.local_group_audit(
                group=group, by=request.user, action=AuditEvent.Action.GROUP_LIST,
                detail=f"{group.name} (in the admin)",
            )  # fmt: skip
            return
        changed = [name for name in form.changed_data if name in services.EDITABLE]
        changed += [name for name in ("contact_user", "approved") if name in form.changed_data]
        if any(formset.has_changed() for formset in formsets):
            changed.append("areas")
        services.local_group_changed(
            group=group, by=request.user, changed=changed,
            old_contact=form.initial.get("contact_email", ""),
        )  # fmt: skip

    def delete_model(self, request, obj):
        services.local_group_remove(group=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for group in queryset:
            services.local_group_remove(group=group, by=request.user)

    def _set_approved(self, request, queryset, approved: bool) -> int:
        groups = list(queryset.exclude(approved=approved))
        for group in groups:
            group.approved = approved
            group.save(update_fields=["approved"])
            services.local_group_changed(
                group=group, by=request.user, changed=["approved"], old_contact=""
            )
        return len(groups)

    @admin.action(description="Approve: show on the site")
    def approve(self, request, queryset):
        messages.success(request, f"{self._set_approved(request, queryset, True)} shown.")

    @admin.action(description="Withdraw from the site")
    def withdraw(self, request, queryset):
        messages.success(request, f"{self._set_approved(request, queryset, False)} withdrawn.")
