"""A conditional question in a real browser: it appears and goes with the answer it
depends on, says so to screen readers, and is shown with its condition without script."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import check

pytestmark = pytest.mark.browser

QUESTION = "Comment le savez-vous ?"
ADD_QUESTION = f"""
from cms_pages.models import CallPage, CallStatus
from forms.models import CandidatureFormField, CandidatureFormPage
call = next(c for c in CallPage.objects.live() if c.status == CallStatus.OPEN)
page = CandidatureFormPage.objects.child_of(call).get()
source = page.form_fields.get(label="Combien de personnes sont concernées ?")
CandidatureFormField.objects.get_or_create(
    page=page,
    label={QUESTION!r},
    defaults=dict(
        field_type="multiline",
        required=True,
        sort_order=3,
        condition_field=source.clean_name,
        condition_operator="one_of",
        condition_values="De 1 000 à 100 000\\nPlus de 100 000",
    ),
)
# Published, as the team would: the server keeps each form's published questions.
CandidatureFormPage.objects.get(pk=page.pk).save_revision().publish()
print(page.full_url)
"""


REMOVE_QUESTION = f"""
from forms.models import CandidatureFormField, CandidatureFormPage
for field in CandidatureFormField.objects.filter(label={QUESTION!r}):
    field.delete()
    CandidatureFormPage.objects.get(pk=field.page_id).save_revision().publish()
"""


@pytest.fixture(scope="module")
def form_url(amorce_server):
    """The demo's open form with the question added, then as it was for the next tests."""
    yield amorce_server.manage("shell", "-c", ADD_QUESTION).strip().splitlines()[-1]
    amorce_server.manage("shell", "-c", REMOVE_QUESTION)


def test_the_question_follows_the_answer_it_depends_on(
    amorce_server, new_page, form_url, axe_source
):
    page = new_page(bypass_csp=True)  # axe-core is injected as an inline script
    page.goto(form_url)
    question = page.get_by_label(re.compile(re.escape(QUESTION)))
    how_many = page.get_by_label("Combien de personnes sont concernées ?", exact=True)
    expect(question).to_be_hidden()

    how_many.focus()
    how_many.select_option("Plus de 100 000")
    expect(question).to_be_visible()
    expect(question).to_be_enabled()
    status = page.locator("[aria-live=polite].fr-sr-only")
    expect(status).to_contain_text(QUESTION)
    expect(how_many).to_be_focused()  # the focus stays where the agent is
    check(page, "formulaire-conditionnel", axe_source)

    how_many.select_option("Moins de 1 000")
    expect(question).to_be_hidden()
    expect(status).to_contain_text("retirées")
    # Hidden, it is disabled: a browser does not send it.
    assert (
        page.locator("textarea[name]").evaluate_all(
            "areas => areas.filter(a => a.disabled).length"
        )
        == 1
    )


def test_without_script_every_question_is_shown_with_its_condition(
    amorce_server, new_page, form_url
):
    page = new_page(java_script_enabled=False)
    page.goto(form_url)
    question = page.get_by_label(re.compile(re.escape(QUESTION)))
    expect(question).to_be_visible()
    expect(
        page.get_by_text(
            "Seulement si « Combien de personnes sont concernées ? » vaut l'une de "
            "ces valeurs « De 1 000 à 100 000 » ; « Plus de 100 000 »."
        )
    ).to_be_visible()
