"""Public pages: what a Survival Surgery is, and the collective grievances across surgeries."""

from django.shortcuts import render

from . import selectors
from .forms import JoinForm


def index(request):
    surgeries = None
    if request.user.is_authenticated:
        surgeries = selectors.surgeries_for_user(request.user)
    return render(request, "surgeries/index.html", {"form": JoinForm(), "surgeries": surgeries})


def grievances(request):
    return render(request, "surgeries/grievances.html", selectors.grievances())
