"""Find a group: the directory, search by postcode or region, local group pages with a join
form relayed by the platform, the contact's reply page, and the organisers' listing pages.

Pages work without JavaScript. Anonymous POSTs (join, ask to be listed) are rate-limited by
freeassoc.core.ratelimit, which never keeps an address, and carry a honeypot field.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from freeassoc.core.ratelimit import hit

from . import access, postcodes, selectors, services
from .forms import JoinForm, ListingRequestForm, LocalGroupForm, ReplyForm, SearchForm
from .models import LocalGroup, Network


def _limited(request, group: str, setting: str):
    """The rate-limit page when this network is over the limit, else None."""
    if hit(request, group, getattr(settings, setting)):
        return render(request, "core/rate_limited.html", status=429)
    return None


def _not_found(request, what: str):
    return render(request, "groups/not_found.html", {"what": what}, status=404)


def index(request):
    return render(
        request,
        "groups/index.html",
        {
            "form": SearchForm(),
            "directory": selectors.directory(),
            "can_list": access.can_list_groups(request.user),
        },
    )


def search(request):
    form = SearchForm(request.GET)
    if not form.is_valid():
        return render(
            request,
            "groups/index.html",
            {
                "form": form,
                "directory": selectors.directory(),
                "can_list": access.can_list_groups(request.user),
            },
            status=400,
        )
    area = form.cleaned_data.get("area")
    result = (
        selectors.search_near_area(area)
        if area
        else selectors.search_in_region(form.cleaned_data["region"])
    )
    return render(
        request,
        "groups/search.html",
        {
            "form": form,
            "result": result,
            "near_miles": selectors.NEAR_MILES,
            "start_query": f"area={area.code}" if area else f"region={result.place.region}",
        },
    )


def start(request):
    """'Start a group here': how, for a worker or an organiser, with the place carried along."""
    area = postcodes.areas().get(request.GET.get("area", "").upper())
    region = request.GET.get("region", "")
    if region not in postcodes.REGION_NAMES:
        region = area.region if area else ""
    return render(
        request,
        "groups/start.html",
        {
            "area": area,
            "region": region,
            "region_name": postcodes.REGION_NAMES.get(region, ""),
            "can_list": access.can_list_groups(request.user),
            "query": request.GET.urlencode(),
        },
    )


def network(request, slug):
    item = Network.objects.filter(slug=slug, approved=True).first()
    if item is None:
        return _not_found(request, "network")
    return render(
        request,
        "groups/network.html",
        {"network": item, "groups": selectors.groups_of_network(item)},
    )


def _listed_group(slug: str) -> LocalGroup | None:
    return selectors.listed_groups().filter(slug=slug).first()


@never_cache
@require_http_methods(["GET", "POST"])
def detail(request, slug):
    group = _listed_group(slug)
    if group is None:
        return _not_found(request, "group")
    form = JoinForm(request.POST or None)
    error = None
    if request.method == "POST":
        if limited := _limited(request, "join", "FREEASSOC_RATELIMIT_JOIN"):
            return limited
        if request.POST.get("website"):  # a field people never see: only bots fill it in
            return render(request, "groups/refused.html", {"group": group}, status=400)
        if form.is_valid():
            try:
                services.join_request_send(
                    group=group,
                    message=form.cleaned_data["message"],
                    worker_email=form.cleaned_data["email"],
                    absolute_url=request.build_absolute_uri,
                )
            except services.JoinError as exc:
                error = str(exc)
            else:
                return redirect("groups:join_sent", group.slug)
    status = 400 if form.errors or error else 200
    return render(
        request,
        "groups/group.html",
        {
            "group": group,
            "form": form,
            "error": error,
            "days": services.join_request_days(),
            "can_change": access.may_change(request.user, group),
            "can_see_history": access.may_see_history(request.user, group),
        },
        status=status,
    )


def join_sent(request, slug):
    group = _listed_group(slug)
    if group is None:
        return _not_found(request, "group")
    return render(
        request, "groups/join_sent.html", {"group": group, "days": services.join_request_days()}
    )


@never_cache
@require_http_methods(["GET", "POST"])
def reply(request):
    """The group contact's page, reached from the link in the join email. The token travels in
    the query string and the form body, never in the path, so access logs never hold it."""
    token = (request.POST.get("t") or request.GET.get("t", ""))[:100]
    join_request = services.join_request_for_token(token)
    if join_request is None:
        return render(
            request, "groups/reply_gone.html", {"days": services.join_request_days()}, status=404
        )
    form = ReplyForm(request.POST or None)
    error = None
    if request.method == "POST":
        if request.POST.get("action") == "discard":
            services.join_request_discard(token=token)
            return render(request, "groups/reply_done.html", {"discarded": True})
        if form.is_valid():
            try:
                group = services.join_reply_send(token=token, reply=form.cleaned_data["reply"])
            except services.JoinError as exc:
                error = str(exc)
            else:
                return render(request, "groups/reply_done.html", {"group": group})
    return render(
        request,
        "groups/reply.html",
        {"join_request": join_request, "form": form, "token": token, "error": error},
        status=400 if form.errors or error else 200,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def ask(request):
    form = ListingRequestForm(request.POST or None)
    if request.method == "POST":
        if limited := _limited(request, "listing", "FREEASSOC_RATELIMIT_LISTING"):
            return limited
        if request.POST.get("website"):  # the honeypot, as on the group page
            return render(request, "groups/refused.html", {}, status=400)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.network_request_listing(
                    name=data["name"],
                    kind=data["kind"],
                    description=data["description"],
                    contact_email=data["contact_email"],
                    website=data["site"],
                    note=data["note"],
                )
            except ValidationError as exc:
                form.add_error("name", exc.messages[0])
            else:
                return redirect("groups:ask_sent")
    return render(request, "groups/ask.html", {"form": form}, status=400 if form.errors else 200)


def ask_sent(request):
    return render(request, "groups/ask_sent.html")


def _not_allowed(request):
    return render(request, "groups/not_allowed.html", status=403)


@login_required
@require_http_methods(["GET", "POST"])
def create(request):
    organisations = access.organisations_listing_for(request.user)
    if not organisations.exists():
        return _not_allowed(request)
    initial = {}
    if area := postcodes.areas().get(request.GET.get("area", "").upper()):
        initial = {"areas": area.code, "region": area.region, "meets": "in_person"}
    elif request.GET.get("region") in postcodes.REGION_NAMES:
        initial = {"region": request.GET["region"]}
    form = LocalGroupForm(request.POST or None, organisations=organisations, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.local_group_create(created_by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Your group is listed. This is the page people will see.")
            return redirect(group)
    return render(
        request,
        "groups/group_form.html",
        {"form": form, "title": "List a local group"},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, slug):
    group = access.group_for_organiser(request.user, slug)
    organisations = access.organisations_listing_for(request.user)
    initial = {
        "organisation": group.organisation,
        "network": group.network,
        "name": group.name,
        "meets": group.meets,
        "town": group.town,
        "region": group.region,
        "areas": " ".join(group.area_codes),
        "frequency": group.frequency,
        "who_for": group.who_for,
        "contact_email": group.contact_email,
    }
    form = LocalGroupForm(request.POST or None, organisations=organisations, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.local_group_update(group=group, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Saved.")
            return redirect(group)
    return render(
        request,
        "groups/group_form.html",
        {"form": form, "title": f"Change {group.name}", "group": group},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def remove(request, slug):
    group = access.group_for_organiser(request.user, slug)
    name = group.name
    services.local_group_remove(group=group, by=request.user)
    messages.success(request, f"{name} is no longer listed.")
    return redirect("groups:mine")


@login_required
def history(request, slug):
    group = access.group_for_history(request.user, slug)
    return render(
        request,
        "groups/history.html",
        {"group": group, "events": selectors.group_history(group)},
    )


@login_required
def mine(request):
    return render(
        request,
        "groups/mine.html",
        {
            "groups": selectors.groups_for_organiser(request.user),
            "can_list": access.can_list_groups(request.user),
        },
    )
