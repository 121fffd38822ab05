"""Two-factor sign-in, enforced in one place.

After the password, anyone who can see microdata or free text (owners, organisers, analysts of
any organisation, and the platform's staff) must confirm the session with a code before they
reach an organiser page, the admin, an export or a surgery's facilitator page. Public pages stay
open to them. Must come after django_otp's OTPMiddleware, which tells us whether the session
is confirmed.
"""

import re
from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

from . import access, selectors

# Pages behind the second factor: everything under /org/ (organiser pages and exports), the
# admin, surgeries' facilitator pages, findings and pools (whose unpublished pages only members
# see); but not the two-factor pages themselves, nor
# registering an organisation or accepting an invitation, which show no answers.
PROTECTED = re.compile(r"^/(org/|admin/|pools/|findings/\d+/|surgeries/(new/|\d+/))")
OPEN = re.compile(r"^/org/(two-factor|register|invitation)/")


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if PROTECTED.match(path) and not OPEN.match(path):
            user = request.user
            if access.needs_two_factor(user) and not access.is_verified(user):
                return self._to_second_step(request, user)
        return self.get_response(request)

    @staticmethod
    def _to_second_step(request, user):
        name = "orgs:two_factor" if selectors.has_authenticator(user) else "orgs:two_factor_setup"
        query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
        return redirect(reverse(name) + (f"?{query}" if query else ""))
