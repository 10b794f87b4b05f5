"""« Enrol TOTP as the programme team »: password, « Sécuriser votre compte », code, recovery
codes, the dashboard; then signing in again with a code. axe-core on both pages.

The session's server runs with the second factor off (the other journeys sign in
with a password only); this module starts a second server on the same database
with ``AMORCE_REQUIRE_2FA=1``, and a programme-team account of its own.
"""

import re
import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from tests.browser.conftest import Server, free_port, running
from tests.browser.helpers import Journey
from tests.browser.test_accessibility import check

pytestmark = pytest.mark.browser

USERNAME = "equipe-totp"
CREATE_USER = f"""
from django.contrib.auth.models import Group, User
user = User.objects.create_user("{USERNAME}", "{USERNAME}@example.org", PASSWORD)
user.groups.add(Group.objects.get(name="Équipe programme"))
"""


@pytest.fixture(scope="module")
def strict_server(amorce_server):
    """The same instance, the second factor required, on a port of its own."""
    amorce_server.manage(
        "shell", "-c", CREATE_USER.replace("PASSWORD", repr(amorce_server.password))
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **amorce_server.env,
        "AMORCE_REQUIRE_2FA": "1",
        "WAGTAILADMIN_BASE_URL": url,
        "WAGTAILAPI_BASE_URL": url,
    }
    server = Server(
        url=url,
        password=amorce_server.password,
        log=amorce_server.log.with_name("server-2fa.log"),
        env=env,
    )
    with running(server, port):
        yield server


def code_from(secret, steps_ahead=0):
    """What an authenticator app shows for the key typed by hand (groups of 4, base32)."""
    key = b32decode(re.sub(r"\s", "", secret))
    totp = TOTP(key)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def sign_in_with_password(page, server):
    page.goto(f"{server.url}/admin/")
    page.get_by_label(re.compile(r"Nom d.utilisateur")).fill(USERNAME)
    page.get_by_label(re.compile(r"Password|Mot de passe")).fill(server.password)
    page.get_by_role("button", name="S'identifier").click()


def test_the_programme_team_enrols_a_totp_app(strict_server, new_page, axe_source):
    server = strict_server
    page = new_page(bypass_csp=True)  # axe-core is injected as an inline script
    journey = Journey("double-authentification", page)

    with journey.step("mot-de-passe", "the enrolment page right after the password"):
        sign_in_with_password(page, server)
        expect(page).to_have_url(re.compile(r"/admin/securite/activation/"))
        expect(
            page.get_by_role("heading", name="Sécuriser votre compte", level=1)
        ).to_be_visible()
        expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
        check(page, "double-authentification-activation", axe_source)

    with journey.step(
        "activation", "the app's code accepted, the recovery codes shown"
    ):
        secret = page.locator("[data-twofactor-secret]").inner_text()
        assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", secret.strip()), secret
        first_code = code_from(secret)
        page.get_by_label("Code à 6 chiffres affiché par l'application").fill(
            first_code
        )
        page.get_by_role("button", name="Activer la double authentification").click()
        expect(page.get_by_role("heading", name="Vos codes de secours")).to_be_visible()
        codes = page.locator(".twofactor-codes code").all_inner_texts()
        assert len(codes) == 10

    with journey.step(
        "codes-de-secours", "the codes downloaded, kept, then the dashboard"
    ):
        saved = journey.download(
            page, page.get_by_role("link", name="Télécharger les codes (.txt)").click
        )
        assert all(code in saved.read_text() for code in codes)
        expect(page.get_by_role("button", name="Imprimer les codes")).to_be_visible()
        page.get_by_role("button", name="Continuer").click()
        expect(page.get_by_text("Cochez cette case")).to_be_visible()
        page.get_by_label("J'ai conservé mes codes de secours en lieu sûr.").check()
        page.get_by_role("button", name="Continuer").click()
        expect(page).to_have_url(f"{server.url}/admin/")
        expect(
            page.get_by_text("Votre compte est protégé par la double authentification.")
        ).to_be_visible()

    with journey.step("deconnexion", "signed out, back to the sign-in page"):
        page.goto(f"{server.url}/admin/account/")
        page.get_by_role("tab", name="Sécurité").click()
        expect(page.get_by_text("Il vous reste 10 codes de secours.")).to_be_visible()
        page.context.clear_cookies()
        page.goto(f"{server.url}/admin/")
        expect(page).to_have_url(re.compile(r"/admin/login/"))

    with journey.step("verification", "the code page after the password"):
        sign_in_with_password(page, server)
        expect(page).to_have_url(re.compile(r"/admin/securite/verification/"))
        expect(
            page.get_by_role("heading", name="Code de vérification", level=1)
        ).to_be_visible()
        check(page, "double-authentification-verification", axe_source)

    with journey.step("code", "the next code of the app opens the dashboard"):
        field = page.get_by_label("Code de vérification")
        field.fill(first_code)  # used at enrolment: refused
        page.get_by_role("button", name="Valider").click()
        expect(page.get_by_text("Ce code n'est pas valide.")).to_be_visible()
        page.get_by_label("Code de vérification").fill(code_from(secret, steps_ahead=1))
        page.get_by_role("button", name="Valider").click()
        expect(page).to_have_url(f"{server.url}/admin/")
