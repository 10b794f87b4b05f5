"""The admin sign-in refuses further attempts after repeated failures."""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

LOGIN = "/admin/login/"
REFUSED = "Trop de tentatives de connexion ont échoué. Réessayez dans 15 minutes."


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def alice(db):
    return User.objects.create_superuser(
        "alice", "alice@example.org", "bon-mot-de-passe"
    )


@pytest.fixture
def bob(db):
    return User.objects.create_superuser("bob", "bob@example.org", "autre-mot-de-passe")


def sign_in(client, username, password, address="192.0.2.1"):
    return client.post(
        LOGIN,
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def fail(client, username, times, address="192.0.2.1"):
    for _ in range(times):
        response = sign_in(client, username, "mauvais", address)
        assert response.status_code == 200
        assert REFUSED not in response.content.decode()


def signed_in(client):
    return "_auth_user_id" in client.session


def test_the_login_route_is_ours():
    assert reverse("wagtailadmin_login") == LOGIN


def test_five_failures_then_the_right_password_is_refused(client, alice):
    """After 5 wrong passwords, even the right one is refused with a French message."""
    fail(client, "alice", 5)
    response = sign_in(client, "alice", "bon-mot-de-passe")
    assert response.status_code == 429
    assert REFUSED in response.content.decode()
    assert not signed_in(client)


def test_four_failures_still_let_the_right_password_in(client, alice):
    fail(client, "alice", 4)
    response = sign_in(client, "alice", "bon-mot-de-passe")
    assert response.status_code == 302
    assert response.url == reverse("wagtailadmin_home")
    assert signed_in(client)


def test_after_the_window_the_right_password_works_again(client, alice):
    start = timezone.now()
    with freeze_time(start) as clock:
        fail(client, "alice", 5)
        clock.tick(dt.timedelta(minutes=14))
        assert sign_in(client, "alice", "bon-mot-de-passe").status_code == 429
        clock.tick(dt.timedelta(minutes=2))  # 15 minutes after the last failure
        response = sign_in(client, "alice", "bon-mot-de-passe")
    assert response.status_code == 302
    assert signed_in(client)


def test_another_user_is_not_affected(client, alice, bob):
    """Alice's lock does not stop Bob, even from the same address."""
    fail(client, "alice", 5)
    response = sign_in(client, "bob", "autre-mot-de-passe")
    assert response.status_code == 302
    assert signed_in(client)


def test_the_username_is_locked_from_every_address(client, alice):
    """Changing address does not reopen a locked username (nor does its case)."""
    fail(client, "alice", 5, address="192.0.2.1")
    response = sign_in(client, "ALICE", "bon-mot-de-passe", address="198.51.100.7")
    assert response.status_code == 429


def test_one_address_trying_many_usernames_is_locked(client, alice, settings):
    """20 failures from one address, spread over usernames, lock that address only."""
    settings.AMORCE_LOGIN_ADDRESS_RATE_LIMIT = (20, 900)
    for number in range(20):
        fail(client, f"inconnu{number}", 1, address="203.0.113.9")
    assert (
        sign_in(client, "alice", "bon-mot-de-passe", "203.0.113.9").status_code == 429
    )
    response = sign_in(client, "alice", "bon-mot-de-passe", address="192.0.2.1")
    assert response.status_code == 302


def test_a_success_clears_the_username_count(client, alice):
    fail(client, "alice", 4)
    assert sign_in(client, "alice", "bon-mot-de-passe").status_code == 302
    client.logout()
    fail(client, "alice", 4)
    assert sign_in(client, "alice", "bon-mot-de-passe").status_code == 302


def test_refused_attempts_do_not_extend_the_lock(client, alice):
    """Knocking on a locked door does not keep it locked longer."""
    start = timezone.now()
    with freeze_time(start) as clock:
        fail(client, "alice", 5)
        for _ in range(3):
            clock.tick(dt.timedelta(minutes=5))
            sign_in(client, "alice", "mauvais")
        clock.tick(dt.timedelta(minutes=1))
        assert sign_in(client, "alice", "bon-mot-de-passe").status_code == 302


def test_behind_a_trusted_proxy_the_forwarded_address_counts(client, alice, settings):
    """With one trusted proxy, each client is counted on its own X-Forwarded-For address."""
    settings.AMORCE_TRUSTED_PROXIES = 1
    settings.AMORCE_LOGIN_ADDRESS_RATE_LIMIT = (3, 900)
    for number in range(3):
        client.post(
            LOGIN,
            {"username": f"inconnu{number}", "password": "x"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR="203.0.113.9",
        )
    blocked = client.post(
        LOGIN,
        {"username": "alice", "password": "bon-mot-de-passe"},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert blocked.status_code == 429
    other = client.post(
        LOGIN,
        {"username": "alice", "password": "bon-mot-de-passe"},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert other.status_code == 302


def test_the_login_form_speaks_french(client, db):
    page = client.get("/admin/login/").content.decode()
    assert "Mot de passe" in page
    assert ">Password" not in page


RESET = "/admin/password_reset/"
RESET_REFUSED = (
    "Trop de demandes de réinitialisation du mot de passe. Réessayez dans 60 minutes."
)


def ask_reset(client, email, address="192.0.2.1"):
    return client.post(RESET, {"email": email}, REMOTE_ADDR=address)


def test_the_reset_route_is_ours():
    assert reverse("wagtailadmin_password_reset") == RESET


def test_password_reset_emails_stop_after_three_an_hour(
    client, site, alice, bob, mailoutbox
):
    """Nobody can fill a colleague's inbox with reset links; they come from the site."""
    from cms_pages.models import SiteIdentity

    identity = SiteIdentity.for_site(site)
    identity.service_title = "Incubateur de l'Exemple"
    identity.save()
    for _ in range(3):
        assert ask_reset(client, "alice@example.org").status_code == 302
    assert len(mailoutbox) == 3
    assert mailoutbox[0].from_email.startswith("Incubateur de l'Exemple <")
    refused = ask_reset(client, "Alice@Example.org ")
    assert refused.status_code == 429
    assert RESET_REFUSED in refused.content.decode()
    assert len(mailoutbox) == 3, "no fourth email"
    # Another person asking from elsewhere is not held back.
    assert ask_reset(client, "bob@example.org", address="192.0.2.9").status_code == 302
    with freeze_time(timezone.now() + dt.timedelta(minutes=61)):
        assert ask_reset(client, "alice@example.org").status_code == 302
    assert len(mailoutbox) == 5


def test_unknown_addresses_count_too_so_a_refusal_reveals_nothing(client, alice):
    for _ in range(3):
        assert ask_reset(client, "personne@example.org").status_code == 302
    assert ask_reset(client, "personne@example.org").status_code == 429


def test_one_client_address_is_held_after_ten_requests(client, alice, mailoutbox):
    for number in range(10):
        assert ask_reset(client, f"inconnu{number}@example.org").status_code == 302
    refused = ask_reset(client, "alice@example.org")
    assert refused.status_code == 429
    assert mailoutbox == []
