"""An agent submits a candidature through the public form."""

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.core import mail
from django.utils import timezone

from forms.models import Candidature, CandidatureAttachment

from .helpers import PDF, PNG, answers, docx_bytes, post_form, token_from, upload

pytestmark = pytest.mark.django_db


def errors_of(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return [
        p.get_text(" ", strip=True)
        for p in soup.select(
            ".fr-error-text, .errorlist li, .fr-alert--error p, .fr-alert--error li"
        )
    ]


def test_form_shows_identity_block_fields_and_section(client, form_page):
    soup = BeautifulSoup(client.get(form_page.url).content, "html.parser")
    names = [field["name"] for field in soup.select("form [name]")]
    for name in (
        "identity_name",
        "identity_email",
        "identity_administration",
        "le_probleme",
        "pieces_jointes",
    ):
        assert name in names
    assert soup.find("h2", string="Contexte")
    assert "(Optionnel)" in soup.find("label", attrs={"for": "id_idee"}).get_text()
    assert soup.select_one('input[name="jeton"]')["value"]


def test_valid_submission_is_stored_with_a_reference_and_acknowledged(
    client, form_page
):
    response = post_form(client, form_page)
    assert response.status_code == 200
    candidature = Candidature.objects.get()
    year = timezone.localtime(form_page.call.opens_at).year
    assert re.fullmatch(rf"AMO-{year}-0001", candidature.reference)
    assert candidature.reference in response.content.decode()
    assert candidature.status == "received"
    assert candidature.applicant_email == "camille.martin@example.gouv.fr"
    assert candidature.administration == "Préfecture de l'Exemple"
    assert candidature.form_data["le_probleme"].startswith("Les usagers attendent")
    assert candidature.form_data["pieces_jointes"] == []
    assert [f["label"] for f in candidature.definition.fields] == [
        "Le problème",
        "Public concerné",
        "Idée",
        "Pièces jointes",
    ]
    receipt, notice = sorted(
        mail.outbox, key=lambda m: m.to != ["camille.martin@example.gouv.fr"]
    )
    assert receipt.to == ["camille.martin@example.gouv.fr"]
    assert candidature.reference in receipt.subject
    assert "Les usagers attendent trois mois" in receipt.body
    assert notice.to == ["programme@example.org"]
    candidature.refresh_from_db()
    assert candidature.confirmation_sent_at and candidature.notification_sent_at


def test_one_person_may_submit_several_and_references_follow(client, form_page):
    post_form(client, form_page)
    post_form(client, form_page, answers(le_probleme="Un autre problème"))
    refs = sorted(Candidature.objects.values_list("reference", flat=True))
    assert [r[-4:] for r in refs] == ["0001", "0002"]


def test_double_submit_with_the_same_token_makes_one_candidature(client, form_page):
    """A double click (the same one-time token twice) shows the same reference."""
    token = token_from(client.get(form_page.url))
    first = post_form(client, form_page, answers(jeton=token))
    second = post_form(client, form_page, answers(jeton=token))
    assert Candidature.objects.count() == 1
    reference = Candidature.objects.get().reference
    assert reference in first.content.decode() and reference in second.content.decode()
    assert (
        len([m for m in mail.outbox if m.to == ["camille.martin@example.gouv.fr"]]) == 1
    )


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"le_probleme": None}, "Champ requis."),
        (
            {"identity_email": "pas-une-adresse"},
            "Saisissez une adresse de courriel valide.",
        ),
        ({"le_probleme": "x" * 501}, "au plus 500 caractères"),
        ({"identity_name": "x" * 201}, "au plus 200 caractères"),
        ({"public_concerne": "Tout le monde"}, "Sélectionnez un choix valide"),
        ({"site_web": "http://spam.example"}, "Votre envoi a été refusé"),
    ],
)
def test_bad_input_gets_a_french_message_and_stores_nothing(
    client, form_page, overrides, expected
):
    response = post_form(client, form_page, answers(**overrides))
    assert response.status_code == 200
    assert any(expected in error for error in errors_of(response)), errors_of(response)
    assert Candidature.objects.count() == 0
    assert mail.outbox == []


def test_answers_are_kept_when_the_form_is_shown_again(client, form_page):
    response = post_form(client, form_page, answers(identity_email="faux"))
    soup = BeautifulSoup(response.content, "html.parser")
    assert (
        soup.select_one("#id_le_probleme").get_text().strip()
        == "Les usagers attendent trois mois pour un rendez-vous."
    )
    field = soup.select_one("#id_identity_email")
    assert field["aria-invalid"] == "true"


def test_files_are_stored_privately_under_a_random_name(client, form_page):
    files = {"pieces_jointes": [upload("note.pdf", PDF), upload("schéma.png", PNG)]}
    response = post_form(client, form_page, files=files)
    assert response.status_code == 200
    candidature = Candidature.objects.get()
    attachments = list(candidature.attachments.order_by("original_name"))
    assert [a.original_name for a in attachments] == ["note.pdf", "schéma.png"]
    for attachment in attachments:
        path = Path(attachment.file.path)
        assert path.is_file()
        assert str(path).startswith(str(settings.PRIVATE_MEDIA_ROOT))
        assert not str(path).startswith(str(settings.MEDIA_ROOT))
        assert "note" not in path.name and "schéma" not in path.name
    assert candidature.form_data["pieces_jointes"] == ["note.pdf", "schéma.png"]


def test_docx_is_recognised_by_content(client, form_page):
    post_form(
        client,
        form_page,
        files={"pieces_jointes": upload("rapport.docx", docx_bytes())},
    )
    assert CandidatureAttachment.objects.get().original_name == "rapport.docx"


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("programme.exe", b"MZ\x90\x00", "n'est pas d'un type accepté"),
        (
            "facture.pdf",
            b"MZ\x90\x00\x03\x00\x00\x00",
            "ne correspond pas à son extension",
        ),
        ("image.png", PDF, "ne correspond pas à son extension"),
        (
            "rapport.docx",
            b"PK\x03\x04not really a zip",
            "ne correspond pas à son extension",
        ),
        ("gros.pdf", PDF + b"0" * (1024 * 1024), "dépasse la taille maximale de 1 Mo"),
        (".htaccess.pdf", PDF, "n'est pas accepté"),
    ],
)
def test_bad_files_get_a_field_error_and_nothing_is_stored(
    client, form_page, name, content, expected
):
    response = post_form(
        client, form_page, files={"pieces_jointes": upload(name, content)}
    )
    assert response.status_code == 200
    assert any(expected in error for error in errors_of(response)), errors_of(response)
    assert Candidature.objects.count() == 0
    assert (
        not list(Path(settings.PRIVATE_MEDIA_ROOT).rglob("*.*"))
        or CandidatureAttachment.objects.count() == 0
    )


def test_too_many_files(client, form_page):
    files = {"pieces_jointes": [upload(f"n{i}.pdf", PDF) for i in range(3)]}
    response = post_form(client, form_page, files=files)
    assert any("2 fichier(s) au plus" in e for e in errors_of(response))
    assert Candidature.objects.count() == 0


def test_path_tricks_in_file_names_are_refused():
    """Names that climb folders never reach the disk (Django also strips them from multipart)."""
    from django.core.exceptions import ValidationError

    from core.files import check_file_name

    for name in (
        "../../etc/passwd.pdf",
        "..\\..\\win.pdf",
        "a/b.pdf",
        "nul\x00.pdf",
        ".env.pdf",
        "facture\u202efdp.exe",  # shown as « factureexe.pdf »
        "note\u2067.pdf",
    ):
        with pytest.raises(ValidationError) as error:
            check_file_name(name)
        assert "n'est pas accepté" in error.value.messages[0]
    assert check_file_name("Note de synthèse (v2).pdf") == "Note de synthèse (v2).pdf"


def test_oversized_body_is_refused_with_a_message(client, form_page, settings):
    settings.AMORCE_MAX_REQUEST_SIZE = 10_000
    response = post_form(
        client,
        form_page,
        files={"pieces_jointes": upload("a.pdf", PDF + b"0" * 20_000)},
    )
    assert response.status_code == 413
    assert "trop volumineux" in response.content.decode()
    assert Candidature.objects.count() == 0


def test_rate_limit_per_client(client, form_page, settings):
    settings.AMORCE_SUBMISSION_RATE_LIMIT = (2, 3600)
    post_form(client, form_page, answers(le_probleme="Premier"))
    post_form(client, form_page, answers(le_probleme="Deuxième"))
    response = post_form(client, form_page, answers(le_probleme="Troisième"))
    assert response.status_code == 429
    assert "Trop de candidatures" in response.content.decode()
    assert Candidature.objects.count() == 2
    other = post_form(client, form_page, REMOTE_ADDR="10.9.8.7")
    assert other.status_code == 200
    assert Candidature.objects.count() == 3


def test_file_errors_are_announced_with_the_field(client, form_page):
    response = post_form(
        client, form_page, files={"pieces_jointes": upload("photo.png", b"just text")}
    )
    soup = BeautifulSoup(response.content, "html.parser")
    field = soup.select_one("#id_pieces_jointes")
    described = field["aria-describedby"].split()
    assert field["aria-invalid"] == "true"
    assert "ne correspond pas" in " ".join(
        soup.find(id=i).get_text() for i in described
    )
    assert any("Formats acceptés" in soup.find(id=i).get_text() for i in described)


def test_every_wagtail_field_type_is_offered():
    """The programme team keeps every type Wagtail's form builder knows."""
    from wagtail.contrib.forms.models import FORM_FIELD_CHOICES

    from forms.choices import FieldType

    assert {value for value, _label in FORM_FIELD_CHOICES} <= set(FieldType.values)
