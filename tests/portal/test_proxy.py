"""One client address for allauth, axes and the ledger; proxy headers only from the proxy."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from audit.models import AccessEvent, EventType
from portal.middleware import RequestContextMiddleware, client_address
from tests.factories import MembershipFactory, enrol_totp

pytestmark = pytest.mark.django_db
PROXY = "10.0.0.1"
SECRET = "proxy-secret-for-tests-only-0123456789abcdef"


@pytest.fixture
def behind_the_proxy(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    settings.PROXY_SECRET = SECRET


def via_proxy(client, client_ip, **data):
    return client.post(
        "/accounts/login/",
        data,
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=client_ip,
        HTTP_X_PROXY_SECRET=SECRET,
    )


def test_failed_logins_from_many_clients_behind_the_proxy_do_not_lock_out_another(
    client, behind_the_proxy
):
    """allauth's per-address cap keyed on the proxy's address: 20 failures from anyone
    locked everyone out. Each client is now counted by its own address."""
    membership = MembershipFactory(user__username="sanne")
    enrol_totp(membership.user)
    for n in range(25):
        via_proxy(client, f"198.51.100.{n + 1}", login=f"nobody{n}", password="guess")
    response = via_proxy(client, "192.0.2.10", login="sanne", password="correct horse battery")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"
    failed = AccessEvent.objects.filter(event_type=EventType.LOGIN_FAILED)
    assert failed.count() == 25
    assert {e.client_address for e in failed} == {f"198.51.100.{n + 1}" for n in range(25)}


def test_one_client_is_still_capped_behind_the_proxy(client, behind_the_proxy, settings):
    capped = "Te veel inlogpogingen"
    for n in range(21):
        response = via_proxy(client, "198.51.100.7", login=f"nobody{n}", password="guess")
    assert capped in response.content.decode()  # allauth's cap, for that client only
    other = via_proxy(client, "198.51.100.8", login="nobody", password="guess")
    assert capped not in other.content.decode()


def passes(request_factory_kwargs, settings) -> tuple[bool, str]:
    seen = {}

    def view(request):
        seen["secure"] = request.is_secure()
        seen["address"] = client_address(request)
        return HttpResponse()

    RequestContextMiddleware(view)(RequestFactory().get("/", **request_factory_kwargs))
    return seen["secure"], seen["address"]


def test_forwarded_proto_and_for_are_believed_only_from_the_proxy_with_its_secret(
    behind_the_proxy, settings
):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    forwarded = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    assert passes({"REMOTE_ADDR": PROXY, "HTTP_X_PROXY_SECRET": SECRET, **forwarded}, settings) == (
        True,
        "198.51.100.7",
    )
    # A process on the proxy's host without the secret, or anyone else: headers ignored.
    assert passes(
        {"REMOTE_ADDR": PROXY, "HTTP_X_PROXY_SECRET": "guess", **forwarded}, settings
    ) == (
        False,
        PROXY,
    )
    assert passes({"REMOTE_ADDR": "203.0.113.5", **forwarded}, settings) == (False, "203.0.113.5")
