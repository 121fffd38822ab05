"""Faults answer with a page that says what to do, never Django's bare "Server Error (500)"."""

from django.db import OperationalError

from freeassoc.core.views import server_error


def test_the_database_out_of_reach_is_a_503_that_says_to_try_again(rf):
    try:
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")
    except OperationalError:
        response = server_error(rf.post("/s/link/review/"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Nothing you have answered so far is lost" in response.content.decode()


def test_any_other_fault_is_a_500_with_a_sentence(rf):
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "Please try again later" in response.content.decode()
