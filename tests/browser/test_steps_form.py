"""A conditional form in steps in a real browser, with and without script: one step at a
time, the focus on the new step's title, a step skipped by an earlier answer, files
kept, the review, and axe-core on every step (on both themes)."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import check

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
NOTE = {"name": "note.pdf", "mimeType": "application/pdf", "buffer": PDF}

ADD_FORM = """
from cms_pages.factories import CallPageFactory
from wagtail.models import Site
from cms_pages.models import ProgrammePage
from forms.factories import CandidatureFormPageFactory
home = Site.objects.get(is_default_site=True).root_page
programme = ProgrammePage.objects.descendant_of(home).first()
call = CallPageFactory(parent=programme, slug="appel-en-etapes", title="Appel en étapes")
page = CandidatureFormPageFactory(
    parent=call,
    slug="candidater",
    title="Candidater en étapes",
    use_steps=True,
    fields=[
        {"label": "Votre projet", "field_type": "section"},
        {"label": "Public concerné", "field_type": "radio", "choices": "Agents\\nUsagers"},
        {
            "label": "Nombre d'usagers",
            "field_type": "number",
            "condition_field": "public_concerne",
            "condition_values": "Usagers",
        },
        {"label": "Description", "field_type": "multiline"},
        {
            "label": "Pour les usagers",
            "field_type": "section",
            "condition_field": "public_concerne",
            "condition_values": "Usagers",
        },
        {"label": "Comment les joindre ?", "field_type": "singleline"},
        {"label": "Documents", "field_type": "section"},
        {"label": "Note", "field_type": "file", "allowed_file_types": "pdf"},
    ],
)
for each in (call, page):
    each.save_revision().publish()
print(page.full_url)
"""

# Candidatures are never deleted: the call is unpublished, out of the next tests' way.
REMOVE_FORM = """
from cms_pages.models import CallPage
CallPage.objects.get(slug="appel-en-etapes").get_descendants(inclusive=True).unpublish()
"""

REGION_FORM = """
from forms.models import CandidatureFormPage
print(CandidatureFormPage.objects.get(use_steps=True, title="Proposer un projet").full_url)
"""


@pytest.fixture(scope="module")
def steps_url(amorce_server):
    yield amorce_server.manage("shell", "-c", ADD_FORM).strip().splitlines()[-1]
    amorce_server.manage("shell", "-c", REMOVE_FORM)


def identity(page):
    page.get_by_label("Prénom et nom").fill("Camille Martin")
    page.get_by_label("Adresse électronique professionnelle").fill(
        "camille.martin@example.gouv.fr"
    )
    page.get_by_label("Administration").fill("Préfecture de l'Exemple")


def next_step(page):
    page.get_by_role("button", name="Suivant").click()


def test_a_form_in_steps_with_script(amorce_server, new_page, steps_url, axe_source):
    page = new_page(bypass_csp=True)  # axe-core is injected as an inline script
    page.goto(steps_url)
    expect(page).to_have_title(re.compile(r"^Étape 1 sur 4 – Vous"))
    check(page, "etapes-1", axe_source)

    # A step's own errors only, the summary focused.
    next_step(page)
    expect(page.locator("#form-errors")).to_be_focused()
    expect(page.locator("#form-errors")).to_contain_text("Prénom et nom")
    expect(page.locator("#form-errors")).not_to_contain_text("Description")
    identity(page)
    next_step(page)
    expect(page).to_have_title(re.compile(r"^Étape 2 sur 4 – Votre projet"))
    expect(page.locator("#step-title")).to_be_focused()

    # A condition within the step: the question comes with the answer.
    users = page.get_by_label("Nombre d'usagers")
    expect(users).to_be_hidden()
    page.get_by_label("Usagers", exact=True).check(force=True)
    expect(users).to_be_visible()
    users.fill("40")
    page.get_by_label("Description").fill("Trois mois d'attente.")
    check(page, "etapes-2", axe_source)
    next_step(page)
    # The section the answer opens is a step of its own, counted.
    expect(page).to_have_title(re.compile(r"^Étape 3 sur 5 – Pour les usagers"))
    check(page, "etapes-3", axe_source)
    page.get_by_label("Comment les joindre ?").fill("Au guichet")
    next_step(page)
    expect(page).to_have_title(re.compile(r"^Étape 4 sur 5 – Documents"))
    page.locator("input[type=file][name=note]").set_input_files(NOTE)
    check(page, "etapes-4", axe_source)
    next_step(page)

    expect(page).to_have_title(re.compile(r"^Étape 5 sur 5 – Vérifiez vos réponses"))
    expect(page.locator("#step-title")).to_be_focused()
    main = page.locator("main")
    for said in ("Camille Martin", "Usagers", "40", "Au guichet", "note.pdf"):
        expect(main).to_contain_text(said)
    check(page, "etapes-verification", axe_source)

    # Changed from the review: the step it opened goes, the file stays.
    page.get_by_role("link", name=re.compile("Modifier « Votre projet »")).click()
    expect(page).to_have_title(re.compile(r"^Étape 2 sur 5 – Votre projet"))
    expect(page.get_by_label("Description")).to_have_value("Trois mois d'attente.")
    page.get_by_label("Agents", exact=True).check(force=True)
    next_step(page)
    expect(page).to_have_title(re.compile(r"^Étape 3 sur 4 – Documents"))
    expect(page.get_by_text("Déjà joint")).to_contain_text("note.pdf")
    next_step(page)
    expect(page).to_have_title(re.compile(r"^Étape 4 sur 4 – Vérifiez vos réponses"))
    expect(main).not_to_contain_text("Au guichet")
    page.get_by_role("button", name=re.compile("Envoyer")).click()
    expect(page.get_by_text(re.compile(r"[A-Z]+-\d{4}-\d{4}")).first).to_be_visible()


def test_a_form_in_steps_without_script(amorce_server, new_page, steps_url):
    page = new_page(java_script_enabled=False)
    page.goto(steps_url)
    identity(page)
    next_step(page)
    expect(page).to_have_title(re.compile(r"^Étape 2 sur 4 – Votre projet"))
    # Without script the question is shown, its condition written below it.
    expect(page.get_by_label("Nombre d'usagers")).to_be_visible()
    expect(
        page.get_by_text("Seulement si « Public concerné » vaut « Usagers »")
    ).to_be_visible()
    page.get_by_label("Agents", exact=True).check(force=True)
    page.get_by_label("Nombre d'usagers").fill("12")  # answered, but not asked: dropped
    page.get_by_label("Description").fill("Trois mois d'attente.")
    next_step(page)
    expect(page).to_have_title(re.compile(r"^Étape 3 sur 4 – Documents"))
    page.locator("input[type=file][name=note]").set_input_files(NOTE)
    # Back, and forth: the answers and the file are kept by the server.
    page.get_by_role("button", name="Précédent").click()
    expect(page).to_have_title(re.compile(r"^Étape 2 sur 4 – Votre projet"))
    expect(page.get_by_label("Description")).to_have_value("Trois mois d'attente.")
    next_step(page)
    expect(page.get_by_text("Déjà joint")).to_contain_text("note.pdf")
    next_step(page)
    expect(page).to_have_title(re.compile(r"^Étape 4 sur 4 – Vérifiez vos réponses"))
    main = page.locator("main")
    expect(main).to_contain_text("note.pdf")
    expect(main).not_to_contain_text("Nombre d'usagers")
    page.get_by_role("button", name=re.compile("Envoyer")).click()
    expect(page.get_by_text(re.compile(r"[A-Z]+-\d{4}-\d{4}")).first).to_be_visible()


def test_the_neutral_theme_steps_pass_axe(amorce_server, new_page, axe_source):
    url = amorce_server.manage("shell", "-c", REGION_FORM).strip().splitlines()[-1]
    page = new_page(bypass_csp=True)
    page.goto(url)
    expect(page).to_have_title(re.compile(r"^Étape 1 sur 4 – Vous"))
    current = page.locator(".amorce-stepper__steps [aria-current=step]")
    expect(current).to_have_text("Vous")
    check(page, "etapes-neutre-1", axe_source)
    identity(page)
    next_step(page)
    expect(page).to_have_title(re.compile(r"^Étape 2 sur 4 – Votre projet"))
    check(page, "etapes-neutre-2", axe_source)
