"""Two-factor sign-in, enforced in one place.

Every page for a signed-in person (a member of any organisation, a group's contact, staff, the
admin) needs the second step, whatever their role: a password alone opens nothing but the few
pages in ALLOWED. A new page is protected by default; tests/test_second_step_walk.py walks
every route of the site and fails if one is neither here nor refused to a password-only
session. Must come after django_otp's OTPMiddleware, which tells us whether the session is
confirmed.
"""

from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse
from django_otp import user_has_device

from . import access

# Route names a session that has passed only the password may reach, and why.
ALLOWED = {
    "login": "signing in: the first step",
    "logout": "signing out must always work",
    "password_reset": "a forgotten password, by email: says the same whatever the address",
    "password_reset_done": "static",
    "password_reset_confirm": "needs the token from the email",
    "password_reset_complete": "static",
    "orgs:two_factor": "the second step itself",
    "orgs:two_factor_setup": "the first authenticator of an account with no device yet; the "
    "view refuses anyone else whose session is not confirmed",
    "home": "public, shows nothing about anyone",
    "privacy": "public, shows nothing about anyone",
    "healthz": "says 'ok'",
}


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or access.is_verified(user):
            return None
        if request.resolver_match.view_name in ALLOWED:
            return None
        return _to_second_step(request, user)


def _to_second_step(request, user):
    """The code form, or (for an account with no confirmed device at all) setting one up."""
    name = "orgs:two_factor" if user_has_device(user) else "orgs:two_factor_setup"
    query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
    return redirect(reverse(name) + (f"?{query}" if query else ""))
