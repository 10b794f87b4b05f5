"""A form in steps: each step checked alone, answers and files kept in the draft from
step to step, hidden steps skipped, a review before sending, and nothing skipped."""

import re

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.test import TestCase

from cms_pages.factories import CallPageFactory
from forms.factories import CandidatureFormPageFactory
from forms.models import Candidature, Draft
from tests.pages import page_edit_data

from .helpers import PDF, token_from, upload

pytestmark = pytest.mark.django_db

IDENTITY = {
    "identity_name": "Camille Martin",
    "identity_email": "camille.martin@example.gouv.fr",
    "identity_administration": "Préfecture de l'Exemple",
}


@pytest.fixture
def steps_form(programme):
    call = CallPageFactory(parent=programme, slug="appel-etapes", title="Appel")
    return CandidatureFormPageFactory(
        parent=call,
        slug="candidater",
        use_steps=True,
        fields=[
            {"label": "Votre projet", "field_type": "section"},
            {
                "label": "Public concerné",
                "field_type": "dropdown",
                "choices": "Agents\nUsagers",
            },
            {"label": "Description", "field_type": "multiline"},
            {
                "label": "Pour les usagers",
                "field_type": "section",
                "condition_field": "public_concerne",
                "condition_values": "Usagers",
            },
            {"label": "Nombre d'usagers", "field_type": "number"},
            {"label": "Documents", "field_type": "section"},
            {"label": "Note", "field_type": "file", "allowed_file_types": "pdf"},
            {"label": "Conclusion", "field_type": "section"},
            {"label": "Idée", "field_type": "singleline"},
            {"label": "Disponible", "field_type": "checkbox", "required": False},
        ],
    )


def step(client, page, token, key, data=None, move="suivant", files=None):
    payload = {"jeton": token, "amorce_etape": key, "amorce_aller": move}
    payload.update(data or {})
    payload.update(files or {})
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(f"{page.url}?amorce_action=etape", payload)


def title_of(response):
    return BeautifulSoup(response.content, "html.parser").title.get_text()


def errors_of(response):
    html = BeautifulSoup(response.content, "html.parser")
    summary = html.select_one("#form-errors")
    return summary.get_text(" ", strip=True) if summary else ""


def start(client, page):
    response = client.get(page.url)
    assert "Étape 1 sur 5 – Vous" in title_of(response)
    return token_from(response)


def through(client, page, token, *, public="Agents", note=True):
    """Steps 1 to the last, answered; the address of the review."""
    step(client, page, token, "identity_section", IDENTITY)
    data = {"public_concerne": public, "description": "Trois mois d'attente."}
    response = step(client, page, token, "votre_projet", data)
    if public == "Usagers":
        response = step(
            client, page, token, "pour_les_usagers", {"nombre_dusagers": "40"}
        )
    files = {"note": upload("note.pdf", PDF, "application/pdf")} if note else {}
    step(client, page, token, "documents", files=files)
    response = step(
        client, page, token, "conclusion", {"idee": "Un agenda", "disponible": "on"}
    )
    assert response.status_code == 303
    assert response["Location"].endswith("etape=verification")
    return response["Location"]


def test_each_step_is_checked_alone_and_the_draft_saved_at_each_step(
    client, steps_form
):
    token = start(client, steps_form)
    assert not Draft.objects.exists()

    # The first step's own errors only: the later questions are not asked yet.
    response = step(
        client, steps_form, token, "identity_section", {**IDENTITY, "identity_name": ""}
    )
    assert response.status_code == 422
    said = errors_of(response)
    assert "Prénom et nom" in said and "Description" not in said
    assert "Étape 1 sur 5" in title_of(response)

    response = step(client, steps_form, token, "identity_section", IDENTITY)
    assert response.status_code == 303
    assert "etape=votre_projet" in response["Location"]
    draft = Draft.objects.get(page=steps_form)
    assert draft.email == IDENTITY["identity_email"]
    assert draft.answers["identity_name"] == "Camille Martin"
    assert len(mail.outbox) == 1  # the link to take it up again, once

    page = client.get(response["Location"])
    assert "Étape 2 sur 5 – Votre projet" in title_of(page)
    assert token_from(page) == token  # the same form: the same draft

    response = step(
        client, steps_form, token, "votre_projet", {"public_concerne": "Agents"}
    )
    assert response.status_code == 422
    assert "Description" in errors_of(response)
    assert "Prénom" not in errors_of(response)
    # What was typed on a step with errors is kept too, with the earlier answers.
    draft.refresh_from_db()
    assert draft.answers["public_concerne"] == "Agents"
    assert draft.answers["identity_name"] == "Camille Martin"

    # Back: unchecked, saved, to the step before.
    response = step(
        client,
        steps_form,
        token,
        "votre_projet",
        {"description": "En cours"},
        move="precedent",
    )
    assert (
        response.status_code == 303 and "etape=identity_section" in response["Location"]
    )
    draft.refresh_from_db()
    assert draft.answers["description"] == "En cours"
    assert "Camille Martin" in client.get(response["Location"]).text
    assert len(mail.outbox) == 1


def test_a_section_hidden_by_an_earlier_answer_is_skipped_and_not_counted(
    client, steps_form
):
    token = start(client, steps_form)
    step(client, steps_form, token, "identity_section", IDENTITY)
    data = {"public_concerne": "Usagers", "description": "x"}
    response = step(client, steps_form, token, "votre_projet", data)
    assert "etape=pour_les_usagers" in response["Location"]
    assert "Étape 3 sur 6 – Pour les usagers" in title_of(
        client.get(response["Location"])
    )

    data["public_concerne"] = "Agents"
    response = step(client, steps_form, token, "votre_projet", data)
    assert "etape=documents" in response["Location"]
    assert "Étape 3 sur 5 – Documents" in title_of(client.get(response["Location"]))
    # Back from « Documents »: to « Votre projet », past the hidden step.
    response = step(client, steps_form, token, "documents", move="precedent")
    assert "etape=votre_projet" in response["Location"]


def test_files_joined_on_a_step_are_kept_until_sent(client, steps_form):
    token = start(client, steps_form)
    review = through(client, steps_form, token)
    assert Draft.objects.get().attachments.count() == 1
    page = client.get(review)
    assert "note.pdf" in page.text

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            f"{steps_form.url}?amorce_action=envoi", {"jeton": token}
        )
    assert response.status_code == 200
    candidature = Candidature.objects.get(page=steps_form)
    assert [a.original_name for a in candidature.attachments.all()] == ["note.pdf"]
    assert candidature.form_data["idee"] == "Un agenda"
    assert candidature.form_data["disponible"] is True
    assert not Draft.objects.exists()


def test_the_review_lists_every_shown_answer_with_a_link_to_its_step(
    client, steps_form
):
    token = start(client, steps_form)
    step(client, steps_form, token, "identity_section", IDENTITY)
    # Typed while the public was « Usagers », then changed: no longer asked.
    step(
        client,
        steps_form,
        token,
        "votre_projet",
        {"public_concerne": "Usagers", "description": "x"},
    )
    step(client, steps_form, token, "pour_les_usagers", {"nombre_dusagers": "40"})
    review = through(client, steps_form, token)
    response = client.get(review)
    assert "Étape 5 sur 5 – Vérifiez vos réponses" in title_of(response)
    html = BeautifulSoup(response.content, "html.parser")
    text = html.get_text(" ", strip=True)
    for said in (
        "Camille Martin",
        "Agents",
        "Trois mois d'attente.",
        "note.pdf",
        "Un agenda",
        "Oui",
    ):
        assert said in text
    # Only the review's own rows: the page around it shows dates and times
    # (the call's closing minute can be « 40 »).
    reviewed = " ".join(
        section.get_text(" ", strip=True) for section in html.select(".amorce-review")
    )
    assert "Nombre d'usagers" not in text
    assert "40" not in reviewed.split()
    assert "Pour les usagers" not in reviewed
    links = {
        a.get_text(" ", strip=True): a["href"] for a in html.select(".amorce-review a")
    }
    assert any(
        label.startswith("Modifier")
        and "Documents" in label
        and href.endswith("etape=documents")
        for label, href in links.items()
    )
    assert len(links) == 4
    assert html.select_one("form[method=post] button[data-amorce-submit]")


def test_skipping_steps_is_refused_and_goes_back_to_the_first_step_to_correct(
    client, steps_form
):
    token = start(client, steps_form)
    step(client, steps_form, token, "identity_section", IDENTITY)
    draft = Draft.objects.get()
    # The review asked for straight away: the first step left shows instead.
    response = client.get(f"{steps_form.url}?brouillon={draft.pk}&etape=verification")
    assert "Étape 2 sur 5 – Votre projet" in title_of(response)
    assert "Description" in errors_of(response)
    # Sent anyway: every shown question is checked, nothing is stored.
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            f"{steps_form.url}?amorce_action=envoi", {"jeton": token}
        )
    assert not Candidature.objects.exists()
    assert "Étape 2 sur 5 – Votre projet" in title_of(response)
    assert "reprenez à cette étape" in response.text
    assert "Description" in errors_of(response)
    assert "Note" not in errors_of(response)  # only this step's errors are listed

    # A post of the last step alone, on a fresh form, skips the identity: step 1.
    other = token_from(client.get(steps_form.url))
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(steps_form.url, {"jeton": other, "idee": "Un agenda"})
    assert not Candidature.objects.exists()
    assert "Étape 1 sur 5 – Vous" in title_of(response)
    assert "Prénom et nom" in errors_of(response)


def test_a_step_with_no_question_is_refused_when_the_page_is_saved(
    programme_client, steps_form
):
    data = page_edit_data(programme_client, steps_form)
    data["use_steps"] = "on"  # as a browser sends the box ticked
    label_keys = {value: key for key, value in data.items() if key.endswith("-label")}
    idea = label_keys["Idée"].split("-")[1]
    available = label_keys["Disponible"].split("-")[1]
    data[f"form_fields-{idea}-DELETE"] = "1"
    data[f"form_fields-{available}-DELETE"] = "1"
    response = programme_client.post(f"/admin/pages/{steps_form.pk}/edit/", data)
    assert response.status_code == 200
    assert re.search(
        r"La section « Conclusion » serait une étape sans question", response.text
    )
    assert steps_form.form_fields.filter(label="Idée").exists()

    # Without steps, an empty section is only a heading: saved.
    del data["use_steps"]
    response = programme_client.post(f"/admin/pages/{steps_form.pk}/edit/", data)
    assert response.status_code == 302
    steps_form.refresh_from_db()
    saved = steps_form.get_latest_revision_as_object()
    assert "Idée" not in [f.label for f in saved.form_fields.all()]


def test_the_api_schema_lists_the_steps_and_a_submission_is_unchanged(
    client, steps_form
):
    schema = client.get(f"/api/v3/forms/{steps_form.pk}/").json()
    assert [s["section"] for s in schema["steps"]] == [
        "identity_section",
        "votre_projet",
        "pour_les_usagers",
        "documents",
        "conclusion",
    ]
    by_name = {f["name"]: f for f in schema["fields"]}
    assert by_name["identity_email"]["step"] == 0
    assert by_name["nombre_dusagers"]["step"] == 2
    assert by_name["idee"]["step"] == 4

    # Sent at once, as before: every shown question checked, in one request.
    url = f"/api/v3/forms/{steps_form.pk}/submissions/"
    body = {
        **IDENTITY,
        "public_concerne": "Agents",
        "description": "x",
        "idee": "Un agenda",
    }
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(url, body)
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["note"]
    body["note"] = upload("note.pdf", PDF, "application/pdf")
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(url, body)
    assert response.status_code == 201, response.json()


def test_the_preview_shows_the_steps_and_stores_nothing(programme_client, steps_form):
    data = page_edit_data(programme_client, steps_form)
    data["use_steps"] = "on"
    url = f"/admin/pages/{steps_form.pk}/edit/preview/"
    assert programme_client.post(url, data).json()["is_valid"]
    response = programme_client.get(url)
    html = BeautifulSoup(response.content, "html.parser")
    steps = [li.get_text(strip=True) for li in html.select(".amorce-preview-steps li")]
    assert steps == [
        "Vous",
        "Votre projet",
        "Documents",
        "Conclusion",
        "Vérifiez vos réponses",
    ]
    assert "Étape 1 sur 5" in html.get_text()
    assert not html.select("form[method=post]")
    assert not Draft.objects.exists() and not Candidature.objects.exists()


def test_an_address_and_a_team_answered_in_their_own_steps(client, programme):
    """The new types in steps: each part checked on its step, kept in the draft, sent whole."""
    call = CallPageFactory(parent=programme, slug="appel-lieux", title="Appel")
    page = CandidatureFormPageFactory(
        parent=call,
        slug="candidater",
        use_steps=True,
        fields=[
            {"label": "Où", "field_type": "section"},
            {"label": "Adresse du service", "field_type": "address"},
            {"label": "Qui", "field_type": "section"},
            {
                "label": "Équipe",
                "field_type": "group",
                "group_fields": "Nom *\nCourriel : courriel",
                "min_entries": 1,
                "max_entries": 3,
                "entry_label": "une personne",
            },
        ],
    )
    token = start_any(client, page)
    step(client, page, token, "identity_section", IDENTITY)
    address = {
        "adresse_du_service__voie": "1 rue de la Paix",
        "adresse_du_service__code_postal": "7500",
        "adresse_du_service__commune": "Paris",
    }
    response = step(client, page, token, "ou", address)
    assert response.status_code == 422
    assert "Code postal" in errors_of(response)

    address["adresse_du_service__code_postal"] = "75002"
    response = step(client, page, token, "ou", address)
    assert response.status_code == 303, errors_of(response)
    team = {"equipe__1__nom": "Léo Petit", "equipe__1__courriel": "pas une adresse"}
    response = step(client, page, token, "qui", team)
    assert response.status_code == 422
    assert "Courriel" in errors_of(response)
    team["equipe__1__courriel"] = "leo.petit@example.gouv.fr"
    response = step(client, page, token, "qui", team)
    assert response["Location"].endswith("etape=verification")
    review = client.get(response["Location"])
    assert "1 rue de la Paix" in review.text
    assert "Personne 1 – Nom : Léo Petit ; Courriel : leo.petit@" in review.text

    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(f"{page.url}?amorce_action=envoi", {"jeton": token})
    answers = Candidature.objects.get(page=page).form_data
    assert answers["adresse_du_service"]["code_postal"] == "75002"
    assert answers["equipe"] == [
        {"nom": "Léo Petit", "courriel": "leo.petit@example.gouv.fr"}
    ]


def start_any(client, page):
    return token_from(client.get(page.url))


def test_steps_turned_off_while_reviewing_still_send_the_reviewed_answers(
    client, steps_form
):
    """The review's « Envoyer » sends the draft's answers, whatever the page's setting
    became since it was shown (a single-page post keeps its own meaning)."""
    token = start(client, steps_form)
    through(client, steps_form, token)
    steps_form.use_steps = False
    steps_form.save_revision().publish()
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            f"{steps_form.url}?amorce_action=envoi", {"jeton": token}
        )
    assert response.status_code == 200
    candidature = Candidature.objects.get(page=steps_form)
    assert candidature.form_data["description"] == "Trois mois d'attente."
    assert [a.original_name for a in candidature.attachments.all()] == ["note.pdf"]
