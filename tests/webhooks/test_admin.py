"""The programme team of a site manages its webhooks; nobody else sees them."""

import json
import socket
import threading
import time

import pytest
from django.test import TestCase
from django.urls import reverse

from tests.incubators import add_second_incubator
from tests.test_production import run_with_production_settings
from tests.users import member_of
from webhooks.models import Delivery, Endpoint
from webhooks.targets import TargetRefused, is_public, resolve

from .conftest import ALL_EVENTS
from .receiver import verify

pytestmark = pytest.mark.django_db


def test_the_team_adds_an_endpoint_and_reads_its_secret(
    programme_client, site, receiver
):
    response = programme_client.post(
        reverse("webhook_endpoints:add"),
        {
            "site": site.pk,
            "name": "CRM",
            "url": receiver.url,
            "events": ["candidature.submitted", "decision.sent"],
            "active": "on",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    endpoint = Endpoint.objects.get()
    assert endpoint.events == ["candidature.submitted", "decision.sent"]
    assert endpoint.secret.startswith("whsec_") and len(endpoint.secret) == 70
    page = programme_client.get(
        reverse("webhook_endpoints:inspect", args=[endpoint.pk])
    )
    assert endpoint.secret in page.content.decode()


def test_the_test_button_sends_a_ping_that_shows_in_the_log(
    programme_client, endpoint, receiver
):
    url = reverse("webhook_endpoints:ping", args=[endpoint.pk])
    assert "Envoyer un événement de test" in programme_client.get(url).content.decode()
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = programme_client.post(url)
    assert response.status_code == 302
    [(_, _, headers, body)] = receiver.posts
    assert headers["X-Amorce-Event"] == "ping"
    assert verify(endpoint.secret, headers["X-Amorce-Signature"], body)
    assert json.loads(body)["data"] == {"endpoint": {"id": endpoint.pk}}
    log = programme_client.get(response["Location"]).content.decode()
    assert "Événement de test" in log and "réussie" in log and "200" in log
    listing = programme_client.get(reverse("webhook_endpoints:index"))
    assert url in listing.content.decode(), "the button is in the listing"


@pytest.mark.parametrize("group", ["Communication", "Jury"])
def test_other_teams_reach_no_webhook_screen(client, endpoint, group):
    client.force_login(member_of(group, "autre"))
    delivery = Delivery.objects.create(endpoint=endpoint, event="ping", payload={})
    urls = [
        reverse("webhook_endpoints:index"),
        reverse("webhook_endpoints:add"),
        reverse("webhook_endpoints:edit", args=[endpoint.pk]),
        reverse("webhook_endpoints:inspect", args=[endpoint.pk]),
        reverse("webhook_endpoints:ping", args=[endpoint.pk]),
        reverse("webhook_deliveries:index"),
        reverse("webhook_deliveries:inspect", args=[delivery.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code in (302, 403, 404), url
        assert endpoint.secret not in response.content.decode()
        if response.status_code == 302:
            assert response["Location"] in ("/admin/", reverse("wagtailadmin_home"))
    assert client.post(urls[4]).status_code in (302, 403, 404)
    assert not Delivery.objects.filter(event="ping").exclude(pk=delivery.pk).exists()
    assert "Webhooks" not in client.get(reverse("wagtailadmin_home")).content.decode()


def test_the_team_of_another_site_gets_404(client, endpoint):
    site_b, _call = add_second_incubator()
    client.force_login(member_of("Équipe programme — Fabrique de la Mer", "marin"))
    mine = Endpoint.objects.create(site=site_b, name="Mer", url="https://mer.test/")
    listing = client.get(reverse("webhook_endpoints:index")).content.decode()
    assert "Mer" in listing and endpoint.name not in listing
    for name in ("edit", "inspect", "ping"):
        url = reverse(f"webhook_endpoints:{name}", args=[endpoint.pk])
        assert client.get(url).status_code == 404, url
    delivery = Delivery.objects.create(endpoint=endpoint, event="ping", payload={})
    url = reverse("webhook_deliveries:inspect", args=[delivery.pk])
    assert client.get(url).status_code == 404
    form = client.get(reverse("webhook_endpoints:edit", args=[mine.pk]))
    assert list(form.context["form"].fields["site"].queryset) == [site_b]


def test_production_refuses_a_private_url_when_saved(programme_client, site, settings):
    settings.AMORCE_WEBHOOKS_ALLOW_PRIVATE = False
    for url in (
        "http://127.0.0.1:8000/",
        "http://10.0.0.4/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://localhost/",
    ):
        response = programme_client.post(
            reverse("webhook_endpoints:add"),
            {"site": site.pk, "name": "Interne", "url": url, "events": ALL_EVENTS},
        )
        assert response.status_code == 200, url
        errors = response.context["form"].errors["url"]
        assert "réseau privé ou réservé" in errors[0], (url, errors)
    assert not Endpoint.objects.exists()


def test_production_refuses_a_private_address_at_delivery(
    programme_client, endpoint, receiver, settings
):
    """Saved while it was allowed (or a name that now resolves inside): not sent."""
    settings.AMORCE_WEBHOOKS_ALLOW_PRIVATE = False
    with TestCase.captureOnCommitCallbacks(execute=True):
        programme_client.post(reverse("webhook_endpoints:ping", args=[endpoint.pk]))
    assert receiver.requests == []
    delivery = Delivery.objects.get()
    assert "réseau privé ou réservé" in delivery.last_error
    assert delivery.response_code is None


@pytest.mark.parametrize(
    "address, public",
    [
        ("93.184.215.14", True),
        ("2606:4700::1111", True),
        ("192.168.1.1", False),
        ("172.16.0.1", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),  # noqa: S104 - an address checked, not bound
        ("::ffff:127.0.0.1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("224.0.0.1", False),
        ("::", False),
        ("ff02::1", False),
        ("ff0e::1", False),
        # 6to4 (2002::/16) carrying loopback, private or public IPv4
        ("2002:7f00:1::", False),
        ("2002:c0a8:101::1", False),
        ("2002:a9fe:a9fe::", False),
        ("2002:5db8:d70e::1", True),
        # Teredo (2001::/32): server 65.54.227.120, client 192.0.2.45 (reserved)
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False),
    ],
)
def test_which_addresses_are_public(address, public):
    assert is_public(address) is public


def test_production_settings_refuse_private_targets_whatever_the_environment():
    script = (
        "import django; django.setup(); "
        "from webhooks.targets import TargetRefused, resolve\n"
        "for url in ('http://127.0.0.1:8000/', 'http://10.1.2.3/', 'http://[::1]/'):\n"
        "    try:\n"
        "        resolve(url)\n"
        "    except TargetRefused as refused:\n"
        "        print('refused', url)\n"
    )
    result = run_with_production_settings(
        ["-c", script], AMORCE_WEBHOOKS_ALLOW_PRIVATE="1"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("refused") == 3, result.stdout


def test_production_allows_only_the_web_ports_unless_a_setting_adds_one(settings):
    settings.AMORCE_WEBHOOKS_ALLOW_PRIVATE = False
    with pytest.raises(TargetRefused, match="port 6379 n'est pas autorisé"):
        resolve("http://93.184.215.14:6379/")
    assert resolve("https://93.184.215.14/hook")[2] == 443
    assert resolve("http://93.184.215.14:80/hook")[2] == 80
    settings.AMORCE_WEBHOOKS_PORTS = [8443]
    assert resolve("https://93.184.215.14:8443/hook")[2] == 8443


def test_a_slow_resolver_gets_a_french_message_within_the_deadline(
    programme_client, site, settings, monkeypatch
):
    """A DNS server that does not answer holds the page that saves an endpoint no
    longer than ``AMORCE_WEBHOOKS_RESOLVE_TIMEOUT``: the field says so, nothing is saved."""
    settings.AMORCE_WEBHOOKS_ALLOW_PRIVATE = False
    settings.AMORCE_WEBHOOKS_RESOLVE_TIMEOUT = 0.5
    answered = threading.Event()

    def silent_resolver(*args, **kwargs):
        answered.wait(10)  # released at the test's end
        raise OSError("no answer")

    monkeypatch.setattr(socket, "getaddrinfo", silent_resolver)
    started = time.monotonic()
    try:
        response = programme_client.post(
            reverse("webhook_endpoints:add"),
            {
                "site": site.pk,
                "name": "CRM",
                "url": "https://crm.example.org/hook",
                "events": ALL_EVENTS,
            },
        )
    finally:
        answered.set()
    assert time.monotonic() - started < 5
    assert response.status_code == 200
    errors = response.context["form"].errors["url"]
    assert "le serveur DNS n'a pas répondu en 0,5 secondes" in errors[0], errors
    assert not Endpoint.objects.exists()
