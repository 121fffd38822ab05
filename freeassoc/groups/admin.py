"""Platform administrators approve listing requests and can withdraw any listing.

Join requests are deliberately not registered: nobody, administrators included, browses who
asked to join which group.
"""

from django.contrib import admin, messages

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

    @admin.action(description="Approve: show on the site")
    def approve(self, request, queryset):
        messages.success(request, f"{queryset.update(approved=True)} shown.")

    @admin.action(description="Withdraw from the site")
    def withdraw(self, request, queryset):
        messages.success(request, f"{queryset.update(approved=False)} withdrawn.")
