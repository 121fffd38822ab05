import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template.loader import render_to_string


def home(request):
    return render(request, "core/home.html")


def privacy(request):
    return render(request, "core/privacy.html")


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


def server_error(request):
    """A fault: a page that says what to do. The database being out of reach (a restart, a
    failover) is a 503 that asks to try again: the work so far is stored, and a retry of the
    same POST is safe (a submission is recorded once). Rendered without the request, so
    that nothing on this page needs the database."""
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        response = HttpResponse(render_to_string("core/unavailable.html"), status=503)
        response["Retry-After"] = "30"
        return response
    return HttpResponseServerError(render_to_string("core/server_error.html"))
