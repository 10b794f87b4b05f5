"""axe-core on the public pages, in Chromium: no serious or critical violation."""

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    SCREENSHOTS,
    axe_violations,
    describe_violations,
)

pytestmark = pytest.mark.browser

CALL = "/programme/appel-a-candidatures/"
PAGES = {
    "accueil": "/",
    "appel": CALL,
    "faq": f"{CALL}questions-frequentes/",
    "formulaire": f"{CALL}candidater/",
}
BLOCKING = {"serious", "critical"}
SUBMIT = re.compile(r"^Envoyer (ma|votre) candidature$")


def axe_page(new_page):
    # axe-core is injected as an inline script, which the site's CSP rightly refuses.
    return new_page(bypass_csp=True)


def check(page, name, axe_source):
    folder = SCREENSHOTS / "accessibilite"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=folder / f"{name}.png", full_page=True)
    violations = axe_violations(page, axe_source)
    (folder / f"{name}.json").write_text(
        json.dumps(violations, ensure_ascii=False, indent=2)
    )
    if violations:
        print(f"axe-core on {page.url}:\n{describe_violations(violations)}")
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, (
        f"no serious or critical axe-core violation on {page.url}, got:\n"
        + describe_violations(blocking)
    )


@pytest.mark.parametrize("name", PAGES)
def test_public_page_has_no_serious_accessibility_violation(
    name, amorce_server, new_page, axe_source
):
    """The landing page, the call, its FAQ and its form pass axe-core's rules."""
    page = axe_page(new_page)
    response = page.goto(amorce_server.url + PAGES[name])
    assert response.status == 200, f"{PAGES[name]} to answer 200, got {response.status}"
    check(page, name, axe_source)


def test_form_with_errors_has_no_serious_accessibility_violation(
    amorce_server, new_page, axe_source
):
    """A form sent empty shows its errors in a way axe-core accepts (labels, alerts)."""
    page = axe_page(new_page)
    page.goto(amorce_server.url + PAGES["formulaire"])
    page.get_by_role("button", name=SUBMIT).click()
    expect(
        page.get_by_text("Le formulaire contient des erreurs"),
        "the summary of errors above the form",
    ).to_be_visible()
    check(page, "formulaire-erreurs", axe_source)
