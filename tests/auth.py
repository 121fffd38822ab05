"""Signing staff in, in tests."""


def sign_in(client, user):
    """Sign a member of staff in as the real sign-in would leave them."""
    client.force_login(user)
