"""No anonymous path gives a 500; the self-service account flows do not exist (a patient's
e-mail confirmation link does: tests/patients/test_activation.py)."""

import pytest
from django.urls import URLResolver, get_resolver

pytestmark = pytest.mark.django_db


def account_routes(patterns=None, prefix=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from account_routes(pattern.url_patterns, route)
        elif route.startswith("accounts/") and "<" not in route and "(" not in route:
            yield "/" + route


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/password/reset/",
        "/accounts/signup/",
        "/accounts/email/",
        "/accounts/password/reset/key/1-set-password/",
    ],
)
def test_self_service_account_flows_are_not_offered(client, path):
    # The reported crash: a reset for an unknown address tried to send mail (500).
    response = client.post(path, {"email": "nobody@example.org"})
    assert response.status_code == 404
    assert client.get(path).status_code == 404


def test_no_account_path_answers_an_anonymous_get_or_post_with_a_500(client):
    routes = sorted(set(account_routes()))
    assert "/accounts/login/" in routes
    for path in routes:
        for method in (client.get, client.post):
            status = method(path, {"email": "nobody@example.org", "login": "x"}).status_code
            assert status < 500, (method.__name__, path, status)


def test_the_login_page_offers_no_password_reset_or_sign_up(client):
    page = client.get("/accounts/login/").content.decode()
    assert "/accounts/password/reset/" not in page
    assert "/accounts/signup/" not in page
