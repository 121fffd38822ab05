"""Web pages about the API: its reference (a plain page made from the OpenAPI document, with
no third-party script) and the owners' page for making and revoking keys."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from freeassoc.orgs.access import organisation_for_owner

from . import services
from .api import api
from .forms import ApiKeyForm
from .models import ApiKey

_METHODS = ("get", "post", "put", "patch", "delete")


def reference(request):
    schema = api.get_openapi_schema(path_prefix=request.path.rstrip("/"))
    operations = [
        {
            "method": method.upper(),
            "path": path,
            "summary": op.get("summary", ""),
            "description": op.get("description", ""),
            "statuses": sorted(op.get("responses", {})),
        }
        for path, item in schema["paths"].items()
        for method, op in item.items()
        if method in _METHODS
    ]
    return render(request, "api/reference.html", {"operations": operations, "schema": schema})


def _keys_page(request, organisation, *, form=None, new_key=None, status=200):
    return render(
        request,
        "api/keys.html",
        {
            "organisation": organisation,
            "keys": ApiKey.objects.filter(organisation=organisation).select_related("created_by"),
            "form": form or ApiKeyForm(),
            "new_key": new_key,
        },
        status=status,
    )


@never_cache
@login_required
def keys(request, slug):
    organisation = organisation_for_owner(request.user, slug)
    if request.method != "POST":
        return _keys_page(request, organisation)
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        return _keys_page(request, organisation, form=form, status=400)
    key, raw = services.api_key_create(
        organisation=organisation, name=form.cleaned_data["name"], user=request.user
    )
    # Rendered, not redirected: the key must not pass through the session's message store.
    return _keys_page(request, organisation, new_key={"key": key, "raw": raw})


@login_required
@require_POST
def revoke(request, slug, pk):
    organisation = organisation_for_owner(request.user, slug)
    key = get_object_or_404(ApiKey, pk=pk, organisation=organisation)
    try:
        services.api_key_revoke(key=key, user=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"The key “{key.name}” is revoked: it no longer works.")
    return redirect("apikeys:keys", organisation.slug)
