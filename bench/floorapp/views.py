"""A bare view: read the POST, insert one row, redirect. Nothing else.

It goes through the whole middleware stack of the real site (sessions, CSRF, CSP, axes...),
because the benchmark wants the cost of the survey code over what any Django view pays.
A GET only hands out the CSRF cookie, so the floor's POSTs carry a token as the survey's do.
"""

from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from .models import FloorRow

FIELDS = 40


@require_http_methods(["GET", "POST"])
def floor(request):
    if request.method == "GET":
        get_token(request)
        return HttpResponse("floor\n", content_type="text/plain")
    answers = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
    if len(answers) != FIELDS:
        return HttpResponseBadRequest(f"expected {FIELDS} fields, got {len(answers)}\n")
    FloorRow.objects.create(answers=answers, received_on=timezone.localdate())
    return HttpResponseRedirect(request.path)
