"""An address and a repeatable group in a real browser: entries added and removed with
the keyboard, said to screen readers, communes suggested as typed; and without script,
the group's every entry shown."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import check

pytestmark = pytest.mark.browser

ADD_FIELDS = """
from cms_pages.models import CallPage, CallStatus
from forms.models import CandidatureFormField, CandidatureFormPage
call = next(c for c in CallPage.objects.live() if c.status == CallStatus.OPEN)
page = CandidatureFormPage.objects.child_of(call).get()
CandidatureFormField.objects.get_or_create(
    page=page, label="Adresse du service",
    defaults=dict(field_type="address", required=False, sort_order=1),
)
CandidatureFormField.objects.get_or_create(
    page=page, label="Équipe",
    defaults=dict(
        field_type="group", required=False, sort_order=2,
        group_fields="Nom *\\nCourriel : courriel", min_entries=1, max_entries=3,
        entry_label="une personne",
    ),
)
# Published, as the team would: the server keeps each form's published questions.
CandidatureFormPage.objects.get(pk=page.pk).save_revision().publish()
print(page.full_url)
"""
REMOVE_FIELDS = """
from forms.models import CandidatureFormField, CandidatureFormPage
fields = CandidatureFormField.objects.filter(label__in=["Adresse du service", "Équipe"])
pages = {field.page_id for field in fields}
fields.delete()
for pk in pages:
    CandidatureFormPage.objects.get(pk=pk).save_revision().publish()
"""


@pytest.fixture(scope="module")
def form_url(amorce_server):
    yield amorce_server.manage("shell", "-c", ADD_FIELDS).strip().splitlines()[-1]
    amorce_server.manage("shell", "-c", REMOVE_FIELDS)


def test_entries_are_added_and_removed_and_communes_suggested(
    amorce_server, new_page, form_url, axe_source
):
    page = new_page(bypass_csp=True)  # axe-core is injected as an inline script
    page.goto(form_url)
    entries = page.locator("[data-amorce-entry]")
    expect(entries.nth(0)).to_be_visible()
    expect(entries.nth(1)).to_be_hidden()
    add = page.get_by_role("button", name="Ajouter une personne")
    page.locator("input[name=equipe__1__nom]").fill("Camille")
    add.focus()
    page.keyboard.press("Enter")
    expect(entries.nth(1)).to_be_visible()
    expect(page.locator("input[name=equipe__2__nom]")).to_be_focused()
    status = page.locator("[data-amorce-group-status]")
    expect(status).to_contain_text("Personne 2")
    page.locator("input[name=equipe__2__nom]").fill("Léo")
    check(page, "groupe-repetable", axe_source)

    page.get_by_role("button", name="Retirer « Personne 1 »").click()
    expect(page.locator("input[name=equipe__1__nom]")).to_have_value("Léo")
    expect(entries.nth(1)).to_be_hidden()
    expect(status).to_contain_text("Retiré")
    expect(page.locator("#id_equipe__1_legend")).to_be_focused()

    commune = page.locator("input[name=adresse_du_service__commune]")
    page.locator("input[name=adresse_du_service__code_postal]").fill("93200")
    commune.press_sequentially("saint den", delay=30)
    options = page.locator(f"datalist#{commune.get_attribute('list')} option")
    expect(options).to_have_count(1)
    assert options.first.get_attribute("value") == "Saint-Denis (93066)"


def test_without_script_every_entry_is_shown(amorce_server, new_page, form_url):
    page = new_page(java_script_enabled=False)
    page.goto(form_url)
    expect(page.locator("[data-amorce-entry]").nth(2)).to_be_visible()
    expect(page.get_by_role("button", name="Ajouter une personne")).to_have_count(0)
