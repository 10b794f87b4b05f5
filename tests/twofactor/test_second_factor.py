"""A second factor for the accounts that read personal data (TOTP, recovery codes)."""

import os
import socket
import subprocess
import sys
import time
from html import unescape
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.models import APIToken, ModelLogEntry

from tests.users import member_of
from twofactor import devices

ROOT = Path(__file__).resolve().parents[2]
LOGIN = "/admin/login/"
ENROL = "/admin/securite/activation/"
VERIFY = "/admin/securite/verification/"
CODES = "/admin/securite/codes-de-secours/"
MANAGE = "/admin/securite/"
THROTTLED = "Trop de codes erronés. Réessayez dans 15 minutes."
WRONG = "Ce code n'est pas valide."


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def enforced(settings):
    settings.AMORCE_REQUIRE_2FA = True


def text(response):
    return unescape(response.content.decode())


def code_of(device, steps_ahead=0):
    """The code an authenticator app shows now (or ``steps_ahead`` steps later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def sign_in(client, user, address="192.0.2.1"):
    response = client.post(
        LOGIN, {"username": user.username, "password": "x"}, REMOTE_ADDR=address
    )
    assert response.status_code == 302, "the password is accepted"
    return response


def enrolled(user):
    """``user`` with a confirmed authenticator and recovery codes (returned)."""
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    return device, devices.replace_recovery_codes(user)


def give_code(client, code, address="192.0.2.1"):
    return client.post(VERIFY, {"code": code, "next": "/admin/"}, REMOTE_ADDR=address)


@pytest.fixture
def paula(db, site):
    return member_of("Équipe programme", "paula")


@pytest.fixture
def juror(db, site):
    return member_of("Jury", "jules")


@pytest.fixture
def editor(db, site):
    return member_of("Communication", "camille")


def test_the_programme_team_enrols_after_the_password(
    client, paula, enforced, mailoutbox
):
    """Password, then « Sécuriser votre compte »: QR code, key in groups of 4, code, recovery codes."""
    sign_in(client, paula)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.url == f"{ENROL}?next=%2Fadmin%2F"

    page = text(client.get(response.url))
    assert "Sécuriser votre compte" in page
    assert "<svg" in page
    device = TOTPDevice.objects.get(user=paula, confirmed=False)
    groups = devices.secret_groups(device)
    assert len(groups) == 8 and all(len(group) == 4 for group in groups)
    assert " ".join(f"<span>{group}</span>" for group in groups) in page

    refused = client.post(ENROL, {"code": "000000", "next": "/admin/"})
    assert WRONG in text(refused)
    assert client.get("/admin/").status_code == 302, "still held"

    accepted = client.post(ENROL, {"code": code_of(device), "next": "/admin/"})
    assert accepted.status_code == 302
    assert accepted.url == f"{CODES}?next=%2Fadmin%2F"
    codes_page = text(client.get(accepted.url))
    codes = list(client.session["twofactor_new_recovery_codes"])
    assert len(codes) == 10
    assert all(code in codes_page for code in codes)
    download = client.get(f"{CODES}telecharger/")
    assert (
        download["Content-Disposition"] == 'attachment; filename="codes-de-secours.txt"'
    )
    assert all(code in text(download) for code in codes)

    unchecked = client.post(CODES, {"next": "/admin/"})
    assert "Cochez cette case" in text(unchecked)
    done = client.post(CODES, {"kept": "on", "next": "/admin/"})
    assert done.url == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get(CODES).status_code == 302, "the codes are shown once"
    # The database keeps no recovery code as such.
    stored = set(StaticToken.objects.values_list("token", flat=True))
    plain = {devices.normalise_code(code) for code in codes} | set(codes)
    assert len(stored) == 10 and not stored & plain
    assert ModelLogEntry.objects.filter(
        action="amorce.second_factor.enrolled", object_id=str(paula.pk)
    ).exists()
    # The owner of the address is told (someone else may hold the password).
    assert [message.to for message in mailoutbox] == [["paula@equipe.example.org"]]
    assert "Si ce n'est pas vous" in mailoutbox[0].body


def test_an_enrolled_user_gives_a_code_after_the_password(client, paula):
    """With a device, the code is asked even when the instance does not require it."""
    device, _codes = enrolled(paula)
    sign_in(client, paula)
    held = client.get("/admin/pages/")
    assert held.url == f"{VERIFY}?next=%2Fadmin%2Fpages%2F"
    assert "Code de vérification" in text(client.get(held.url))
    assert give_code(client, "123456").status_code == 200
    response = give_code(client, code_of(device))
    assert response.url == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_code_cannot_be_replayed(client, paula):
    device, _codes = enrolled(paula)
    code = code_of(device)
    sign_in(client, paula)
    assert give_code(client, code).status_code == 302
    client.post("/admin/logout/")
    sign_in(client, paula)
    replay = give_code(client, code)
    assert replay.status_code == 200
    assert WRONG in text(replay)
    assert client.get("/admin/").status_code == 302
    # The app's next code is accepted.
    assert give_code(client, code_of(device, steps_ahead=1)).status_code == 302


def test_wrong_codes_are_throttled_like_the_password(client, paula, caplog):
    """After 5 wrong codes, even the right one is refused for 15 minutes (429, in French)."""
    device, _codes = enrolled(paula)
    sign_in(client, paula)
    for _ in range(5):
        response = give_code(client, "000000")
        assert response.status_code == 200
        assert THROTTLED not in text(response)
    assert "Second factor: wrong code" in caplog.text
    refused = give_code(client, code_of(device))
    assert refused.status_code == 429
    assert THROTTLED in text(refused)
    assert client.get("/admin/").status_code == 302
    # A fresh sign-in from elsewhere does not reopen the count for this account.
    other = client.__class__()
    sign_in(other, paula, address="198.51.100.7")
    assert give_code(other, code_of(device), "198.51.100.7").status_code == 429


def test_a_recovery_code_works_once(client, paula):
    _device, codes = enrolled(paula)
    sign_in(client, paula)
    response = give_code(client, codes[0].upper().replace("-", " "))
    assert response.status_code == 302
    assert "Il vous reste 9 codes de secours" in text(client.get("/admin/"))
    client.post("/admin/logout/")
    sign_in(client, paula)
    again = give_code(client, codes[0])
    assert WRONG in text(again)
    assert give_code(client, codes[1]).status_code == 302


def test_a_juror_without_a_second_factor_is_held_when_it_is_required(
    client, juror, settings
):
    sign_in(client, juror)
    assert client.get("/admin/").status_code == 200, "not required: the admin opens"
    settings.AMORCE_REQUIRE_2FA = True
    for url in ("/admin/", "/admin/pages/", "/admin/account/", MANAGE):
        assert client.get(url).url.startswith(ENROL), url
    assert client.post("/admin/pages/search/").url == ENROL
    # The enrolment page's own icons and translations are served.
    assert client.get("/admin/sprite/").status_code == 200
    assert client.get("/admin/jsi18n/").status_code == 200
    # Signing out still works.
    out = client.post("/admin/logout/")
    assert out.status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_communication_team_is_not_asked(client, editor, enforced):
    """Pages and images only, no personal data: the password is enough."""
    sign_in(client, editor)
    assert client.get("/admin/").status_code == 200


def test_superusers_are_asked(client, db, site, enforced):
    User.objects.create_superuser("ada", "ada@example.org", "x")
    client.post(LOGIN, {"username": "ada", "password": "x"})
    assert client.get("/admin/").url.startswith(ENROL)


def test_a_proconnect_session_is_already_strong(client, paula, enforced):
    """Marked strong by the sign-in (an ID token at eidas2 or eidas3, or amr
    « mfa »: tests/accounts/test_proconnect.py)."""
    enrolled(paula)
    client.force_login(paula)
    session = client.session
    session["amorce_auth_method"] = "proconnect"
    session["amorce_auth_strong"] = True
    session.save()
    assert client.get("/admin/").status_code == 200


def test_a_single_factor_proconnect_session_owes_its_code(client, paula, enforced):
    """ProConnect at eidas1 (its default) checked one factor: the code is asked,
    and the recovery codes are not renewed without it."""
    enrolled(paula)
    client.force_login(paula)
    session = client.session
    session["amorce_auth_method"] = "proconnect"
    session.save()
    assert client.get("/admin/").url.startswith(VERIFY)
    before = set(StaticToken.objects.values_list("token", flat=True))
    client.post(MANAGE)
    assert set(StaticToken.objects.values_list("token", flat=True)) == before


def test_a_password_sign_in_in_a_proconnect_session_asks_the_code_again(
    client, paula, enforced
):
    """The mark of a ProConnect sign-in does not outlive a password sign-in of the
    same person in the same browser (Django keeps a same-user session's data)."""
    enrolled(paula)
    client.force_login(paula)
    session = client.session
    session["amorce_auth_method"] = "proconnect"
    session.save()
    sign_in(client, paula)
    assert "amorce_auth_method" not in client.session
    assert client.get("/admin/").url.startswith(VERIFY)


def test_the_account_page_shows_the_second_factor_and_renews_the_codes(client, paula):
    device, codes = enrolled(paula)
    sign_in(client, paula)
    give_code(client, code_of(device))
    account = text(client.get("/admin/account/"))
    assert "Double authentification" in account
    assert "Il vous reste 10 codes de secours" in account
    assert "Générer de nouveaux codes de secours" in text(client.get(MANAGE))
    # The account page still saves (the panel adds no field of its own).
    saved = client.post(
        "/admin/account/",
        {
            "name_email-first_name": "Paula",
            "name_email-last_name": "Durand",
            "name_email-email": "paula@equipe.example.org",
            "locale-preferred_language": "fr",
            "locale-current_time_zone": "Europe/Paris",
            "theme-theme": "system",
            "theme-density": "default",
            "theme-contrast": "system",
        },
    )
    assert saved.url == "/admin/account/"
    paula.refresh_from_db()
    assert paula.last_name == "Durand"
    renewed = client.post(MANAGE)
    assert renewed.url == CODES
    new_codes = client.session["twofactor_new_recovery_codes"]
    assert not set(new_codes) & set(codes)
    client.post(CODES, {"kept": "on"})
    client.post("/admin/logout/")
    sign_in(client, paula)
    assert WRONG in text(give_code(client, codes[2])), "old codes stop"
    assert give_code(client, new_codes[0]).status_code == 302


def test_an_administrator_resets_a_lost_second_factor(
    client, paula, mailoutbox, settings
):
    """Logged in Wagtail's history, the person told by email, enrolment at next sign-in."""
    device, _codes = enrolled(paula)
    paula_client = client.__class__()
    sign_in(paula_client, paula)
    give_code(paula_client, code_of(device))
    assert paula_client.get("/admin/").status_code == 200

    admin = User.objects.create_superuser("ada", "ada@example.org", "x")
    client.force_login(admin)
    listing = text(client.get("/admin/users/"))
    assert f"/admin/securite/reinitialiser/{paula.pk}/" in listing
    url = f"/admin/securite/reinitialiser/{paula.pk}/"
    assert "ne pourra plus se connecter" in text(client.get(url))
    response = client.post(url)
    assert response.url == "/admin/users/"
    assert not TOTPDevice.objects.filter(user=paula).exists()
    assert not StaticToken.objects.filter(device__user=paula).exists()
    entry = ModelLogEntry.objects.get(action="amorce.second_factor.reset")
    assert entry.object_id == str(paula.pk) and entry.user == admin
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["paula@equipe.example.org"]
    assert "réinitialisé la double authentification" in mailoutbox[0].body

    # Paula's open session is no longer verified: she enrols again.
    settings.AMORCE_REQUIRE_2FA = True
    assert paula_client.get("/admin/").url.startswith(ENROL)


def test_only_user_administrators_reset_a_second_factor(client, paula, editor):
    enrolled(paula)
    client.force_login(editor)
    refused = client.post(f"/admin/securite/reinitialiser/{paula.pk}/")
    assert refused.url == "/admin/", "Wagtail's « permission refusée »"
    assert TOTPDevice.objects.filter(user=paula).exists()


def test_the_token_api_does_not_wait_for_a_code(client, paula, enforced):
    """Scripts authenticate by token: the second factor holds the admin, not the API."""
    _token, plaintext = APIToken.create_token(user=paula, name="Grist")
    sign_in(client, paula)
    assert client.get("/admin/").url.startswith(ENROL)
    response = client.get(
        "/api/v3/staff/candidatures/", HTTP_AUTHORIZATION=f"Bearer {plaintext}"
    )
    assert response.status_code == 200


def test_a_reset_whose_email_cannot_leave_still_resets_and_says_so(
    client, paula, settings
):
    """A mail server that refuses: the reset stands, the administrator is told to warn."""
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = (
        "127.0.0.1",
        port,
        2,
    )
    enrolled(paula)
    client.force_login(User.objects.create_superuser("ada", "ada@example.org", "x"))
    response = client.post(f"/admin/securite/reinitialiser/{paula.pk}/", follow=True)
    assert not TOTPDevice.objects.filter(user=paula).exists()
    assert "prévenez Paula vous-même" in text(response)


def production_setting(**env):
    base = {k: v for k, v in os.environ.items() if k != "AMORCE_REQUIRE_2FA"}
    done = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [
            sys.executable,
            "-c",
            "from django.conf import settings; print(settings.AMORCE_REQUIRE_2FA)",
        ],
        env={
            **base,
            "DJANGO_SETTINGS_MODULE": "amorce.settings.production",
            "SECRET_KEY": "x" * 50,
            "ALLOWED_HOSTS": "example.org",
            "AMORCE_ANTIVIRUS": "off",
            "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'site'}",
            **env,
        },
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return done.stdout.strip()


def test_production_requires_it_unless_told_otherwise():
    assert production_setting() == "True"
    assert production_setting(AMORCE_REQUIRE_2FA="0") == "False"
