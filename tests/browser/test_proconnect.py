"""« Sign in with the local OIDC provider as a juror »: the ProConnect button,
the provider's sign-in form, and the juror's own rounds in the admin.

The provider is panva's oidc-provider (tests/accounts/oidc.py), started on the
port the server's PROCONNECT_DISCOVERY_URL names.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.accounts.oidc import start_provider, stop_provider

from .helpers import Journey, axe_violations, describe_violations

pytestmark = pytest.mark.browser

DEMO_ROUND = re.compile(r"^Pré-sélection \(jury\) — Appel à candidatures \d{4}$")


@pytest.fixture
def local_proconnect(amorce_server):
    provider = start_provider(
        {"port": amorce_server.proconnect_port, "any_local_port": True}
    )
    yield provider
    stop_provider(provider)


def test_a_juror_signs_in_with_the_local_oidc_provider(
    amorce_server, local_proconnect, new_page, axe_source
):
    page = new_page()
    journey = Journey("proconnect-jure", page)

    with journey.step("connexion", "the sign-in page with the ProConnect button"):
        page.goto(f"{amorce_server.url}/admin/")
        expect(page).to_have_url(re.compile(r"/admin/login/"))
        button = page.get_by_role("link", name="S’identifier avec ProConnect")
        expect(button).to_be_visible()
        expect(
            page.get_by_role("link", name=re.compile("Qu’est-ce que ProConnect"))
        ).to_be_visible()
        violations = axe_violations(page, axe_source)
        assert violations == [], describe_violations(violations)

    with journey.step("fournisseur", "the provider's sign-in form"):
        button.click()
        expect(page).to_have_url(
            re.compile(rf"^{local_proconnect.issuer}/interaction/")
        )
        page.get_by_label("Adresse électronique").fill("Jury@Example.org")

    with journey.step("administration", "the juror in the admin, his rounds only"):
        page.get_by_role("button", name="Se connecter").click()
        expect(page).to_have_url(f"{amorce_server.url}/admin/")
        page.get_by_role("link", name="Mes évaluations").first.click()
        expect(page.get_by_role("link", name=DEMO_ROUND)).to_be_visible()
        expect(
            page.get_by_role("link", name=re.compile("^Pré-sélection"))
        ).to_have_count(1)
        expect(page.get_by_text("Région Exemple")).to_have_count(0)
