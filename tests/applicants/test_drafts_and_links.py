"""The applicant's way back: drafts, links by email, and nothing shown to who only knows an address."""

import html
import re

import pytest
from django.core import mail
from django.core.files.storage import storages
from django.test import Client, TestCase, override_settings

from forms.builder import issue_token
from forms.models import Candidature, Draft
from tests.forms.helpers import PDF, answers, post_form, upload

pytestmark = pytest.mark.django_db


def text(response):
    return html.unescape(response.content.decode())


def links_in(message):
    return re.findall(r"https?://\S+/espace-candidat/lien/[^/\s]+/", message.body)


def path_of(url):
    return "/" + url.split("/", 3)[3]


def save_draft(client, page, data=None, files=None, token=None):
    payload = answers() if data is None else dict(data)
    payload["jeton"] = token or issue_token(page)
    if files:
        payload.update(files)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(f"{page.url}?amorce_action=brouillon", payload)


def autosave(client, page, token, **overrides):
    payload = answers(**overrides)
    payload["jeton"] = token
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            f"{page.url}?amorce_action=autosave",
            payload,
            HTTP_ACCEPT="application/json",
        )


def open_link(client, url):
    """What the applicant does with an emailed link: open it, then press the button."""
    page = client.get(path_of(url))
    assert page.status_code == 200, page.content
    return client.post(path_of(url))


def test_a_draft_needs_an_address_to_send_its_link_to(client, form_page):
    response = save_draft(client, form_page, answers(identity_email=""))
    assert response.status_code == 422
    assert "Indiquez votre adresse électronique" in text(response)
    assert not Draft.objects.exists()
    # What was typed is kept on the page.
    assert "Les usagers attendent trois mois" in text(response)


def test_saving_a_draft_keeps_answers_and_files_privately_and_sends_a_link(
    client, form_page
):
    response = save_draft(
        client,
        form_page,
        answers(le_probleme="À moitié écrit"),
        files={"pieces_jointes": upload("note.pdf", PDF)},
    )
    assert response.status_code == 303
    draft = Draft.objects.get()
    assert response["Location"].endswith(f"?brouillon={draft.pk}")
    assert draft.answers["le_probleme"] == "À moitié écrit"
    [attachment] = draft.attachments.all()
    assert attachment.original_name == "note.pdf"
    assert attachment.file.storage is storages["private"]  # never a public URL
    assert attachment.file.storage.exists(attachment.file.name)
    # Not a candidature anywhere: no reference drawn, nothing in the team's list.
    assert not Candidature.objects.exists()
    [message] = mail.outbox
    assert message.to == ["camille.martin@example.gouv.fr"]
    assert len(links_in(message)) == 1
    # The browser that saved it finds it again, with its file.
    page = text(client.get(response["Location"]))
    assert "À moitié écrit" in page
    assert "Brouillon enregistré à" in page
    assert "note.pdf" in page


def test_autosave_and_retries_update_one_draft(client, form_page):
    token = issue_token(form_page)
    first = autosave(client, form_page, token, le_probleme="Un")
    assert first.status_code == 200
    assert first.json()["saved"] is True
    assert "Brouillon enregistré à" in first.json()["detail"]
    for text in ("Deux", "Trois", "Trois"):
        assert autosave(client, form_page, token, le_probleme=text).json()["saved"]
    draft = Draft.objects.get()
    assert draft.answers["le_probleme"] == "Trois"
    assert len(mail.outbox) == 1  # one link, for the draft's first save


def test_autosave_refusals_are_said_in_french(client, form_page):
    stale = autosave(client, form_page, "pas-un-jeton")
    assert stale.status_code == 400
    assert "Cette page a expiré" in stale.json()["detail"]
    no_address = autosave(client, form_page, issue_token(form_page), identity_email="x")
    assert no_address.status_code == 422
    assert "identity_email" in no_address.json()["errors"]
    assert not Draft.objects.exists()


def test_a_draft_is_resumed_by_its_link_in_another_browser_then_sent(form_page):
    first = Client()
    save_draft(
        first,
        form_page,
        answers(le_probleme="Commencé au bureau"),
        files={"pieces_jointes": upload("note.pdf", PDF)},
    )
    [url] = links_in(mail.outbox[0])
    draft = Draft.objects.get()

    other = Client()
    # Without the link, the draft's address opens nothing.
    closed = text(other.get(f"{form_page.url}?brouillon={draft.pk}"))
    assert "Commencé au bureau" not in closed
    assert "pas ouvert dans ce navigateur" in closed

    opened = open_link(other, url)
    assert opened.status_code == 303
    page = text(other.get(opened["Location"]))
    assert "Commencé au bureau" in page
    token = re.search(r'name="jeton" value="([^"]+)"', page).group(1)

    # Sent without choosing the file again: the draft's file goes with it.
    sent = post_form(other, form_page, answers(jeton=token, le_probleme="Fini"))
    assert sent.status_code == 200
    candidature = Candidature.objects.get()
    assert candidature.reference.endswith("-0001")
    assert candidature.form_data["le_probleme"] == "Fini"
    assert [a.original_name for a in candidature.attachments.all()] == ["note.pdf"]
    assert not Draft.objects.exists()
    # Sent twice (Back, then « Envoyer »): still one candidature.
    post_form(other, form_page, answers(jeton=token, le_probleme="Fini"))
    assert Candidature.objects.count() == 1


def test_used_expired_and_forged_links_say_so_and_offer_a_new_one(form_page):
    save_draft(Client(), form_page)
    [url] = links_in(mail.outbox[0])
    browser = Client()
    assert open_link(browser, url).status_code == 303
    again = Client().get(path_of(url))
    assert again.status_code == 410
    assert "Ce lien a déjà servi" in text(again)
    assert "Recevoir un nouveau lien" in text(again)

    forged = Client().get(path_of(url)[:-5] + "abcd/")
    assert forged.status_code == 404
    assert "Ce lien n'est pas valide" in text(forged)

    save_draft(Client(), form_page, answers(identity_email="autre@example.gouv.fr"))
    [fresh] = links_in(mail.outbox[-1])
    with override_settings(AMORCE_APPLICANT_LINK_MAX_AGE=-1):
        expired = Client().get(path_of(fresh))
    assert expired.status_code == 410
    assert "Ce lien a expiré" in text(expired)


def test_a_mail_scanner_following_the_link_does_not_use_it(form_page):
    save_draft(Client(), form_page)
    [url] = links_in(mail.outbox[0])
    for _scan in range(3):
        assert Client().get(path_of(url)).status_code == 200
    assert open_link(Client(), url).status_code == 303


def test_asking_for_a_new_link_reveals_nothing_and_is_limited(client, form_page):
    unknown = client.post("/espace-candidat/nouveau-lien/", {"email": "x@y.fr"})
    save_draft(Client(), form_page)
    mail.outbox.clear()
    known = client.post(
        "/espace-candidat/nouveau-lien/", {"email": "Camille.Martin@example.gouv.fr"}
    )
    assert unknown.status_code == known.status_code == 200
    assert "Si un brouillon ou un dossier existe" in text(unknown)
    assert "Si un brouillon ou un dossier existe" in text(known)
    [message] = mail.outbox
    assert len(links_in(message)) == 1
    bad = client.post("/espace-candidat/nouveau-lien/", {"email": "pas une adresse"})
    assert bad.status_code == 422
    for _attempt in range(10):
        last = client.post("/espace-candidat/nouveau-lien/", {"email": "z@y.fr"})
    assert last.status_code == 429
    assert "Trop de liens ont été demandés" in text(last)


def test_a_draft_on_a_closed_call_is_not_saved(client, form_page):
    from django.utils import timezone

    call = form_page.call
    call.closes_at = timezone.now() - timezone.timedelta(minutes=1)
    call.save()
    response = autosave(client, form_page, issue_token(form_page))
    assert response.status_code == 410
    assert not Draft.objects.exists()


def test_a_refused_file_is_said_and_the_rest_of_the_draft_is_kept(client, form_page):
    response = save_draft(
        client,
        form_page,
        answers(le_probleme="Gardé malgré le fichier"),
        files={"pieces_jointes": upload("programme.pdf", b"MZ\x90\x00 not a pdf")},
    )
    assert response.status_code == 422
    page = text(response)
    assert "Le formulaire contient des erreurs" in page
    assert 'id="id_pieces_jointes_error"' in page  # said beside the field
    draft = Draft.objects.get()
    assert draft.answers["le_probleme"] == "Gardé malgré le fichier"
    assert not draft.attachments.exists()


def test_a_draft_too_big_or_from_a_blocked_address_is_refused_before_reading(
    client, form_page
):
    token = issue_token(form_page)
    with override_settings(AMORCE_MAX_REQUEST_SIZE=1024):
        big = autosave(client, form_page, token, le_probleme="x" * 5000)
    assert big.status_code == 413
    assert "trop volumineux" in big.json()["detail"]
    with override_settings(AMORCE_REFUSED_SUBMISSION_RATE_LIMIT=(1, 3600)):
        blocked = autosave(client, form_page, token)
    assert blocked.status_code == 429
    assert not Draft.objects.exists()


def test_a_corrected_address_gets_the_link_and_the_old_one_opens_nothing(
    client, form_page
):
    token = issue_token(form_page)
    autosave(client, form_page, token, identity_email="camille@gmial.com")
    [typo] = links_in(mail.outbox[-1])
    assert mail.outbox[-1].to == ["camille@gmial.com"]
    autosave(client, form_page, token, identity_email="camille@gmail.com")
    assert mail.outbox[-1].to == ["camille@gmail.com"]
    assert len(mail.outbox) == 2
    autosave(client, form_page, token, identity_email="camille@gmail.com")
    assert len(mail.outbox) == 2  # the same address: no new link
    refused = Client().get(path_of(typo))
    assert refused.status_code == 410
    assert Draft.objects.get().email == "camille@gmail.com"
