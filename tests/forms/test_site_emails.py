"""Each incubator writes in its own name: sender, reply address, links, words.

On an instance shared by two incubators, a receipt, a notice to the team and
a decision email carry the site of the call: its service in the From, its
contact as the Reply-To, its host in the links, its word for a candidature.
"""

from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from django.core import mail
from django.test import TestCase

from cms_pages.models import SiteIdentity
from forms.factories import CandidatureFactory, CandidatureFormPageFactory
from forms.services import change_status
from selection.models import NotificationTemplate
from selection.notifications import prepare_notifications, release_notifications
from tests.incubators import B_HOST, add_second_incubator

from .helpers import answers, post_form

pytestmark = pytest.mark.django_db


def sender_name(message):
    """The From's display name as a mail client shows it."""
    parsed = message_from_bytes(message.message().as_bytes())
    return str(make_header(decode_header(parsed["From"]))).rsplit(" <", 1)[0]


@pytest.fixture
def form_b(site):
    site_b, call_b = add_second_incubator()
    identity = SiteIdentity.for_site(site_b)
    identity.contact_email = "fabrique@mer.example.org"
    identity.term_candidature, identity.term_candidatures = "projet", "projets"
    identity.save()
    return CandidatureFormPageFactory(
        parent=call_b,
        slug="candidater",
        notification_emails="equipe@mer.example.org",
        fields=[{"label": "Le problème", "field_type": "multiline"}],
    )


def submit_on_b(client, form_b):
    path = form_b.get_url_parts()[2]
    return post_form(
        client,
        form_b,
        answers(le_probleme="Le littoral recule."),
        path=path,
        HTTP_HOST=B_HOST,
    )


def test_second_incubator_writes_in_its_own_name(client, form_b):
    response = submit_on_b(client, form_b)
    assert response.status_code == 200, response.content[:500]
    receipt = next(m for m in mail.outbox if m.to == ["camille.martin@example.gouv.fr"])
    notice = next(m for m in mail.outbox if m.to == ["equipe@mer.example.org"])

    assert sender_name(receipt) == "Fabrique de la Mer"
    assert receipt.reply_to == ["fabrique@mer.example.org"]
    assert (
        "vous pouvez y répondre, ou écrire à fabrique@mer.example.org" in receipt.body
    )
    assert "Fabrique de la Mer" in receipt.body

    assert sender_name(notice) == "Fabrique de la Mer"
    assert notice.reply_to == [], "an internal notice invites no reply to the contact"
    assert notice.subject.startswith("Projet MER-")
    assert "projet MER-" in notice.body
    link = next(line for line in notice.body.splitlines() if "/admin/" in line)
    assert f"http://{B_HOST}/admin/candidatures/inspect/" in link


def test_default_site_keeps_the_instance_address(client, site, form_page):
    identity = SiteIdentity.for_site(site)
    identity.service_title = "Incubateur de l'Exemple"
    identity.save()  # no contact: replies are not invited
    post_form(client, form_page)
    receipt = next(m for m in mail.outbox if m.to == ["camille.martin@example.gouv.fr"])
    notice = next(m for m in mail.outbox if m is not receipt)
    assert sender_name(receipt) == "Incubateur de l'Exemple"
    assert receipt.reply_to == []
    assert "merci de ne pas y répondre" in receipt.body
    assert notice.subject.startswith("Candidature AMO-")
    assert "http://testserver/admin/candidatures/inspect/" in notice.body


def test_decision_emails_leave_from_the_call_s_site(form_b):
    call_b = form_b.get_parent().specific
    candidature = CandidatureFactory(page=form_b, status="eligible")
    change_status(candidature, "not_preselected", reason="hors périmètre")
    NotificationTemplate.objects.create(
        site=call_b.get_site(),
        status="not_preselected",
        subject="Votre projet {reference}",
        body="Bonjour {nom}",
    )
    assert prepare_notifications(call_b, "not_preselected") == (1, 0)
    with TestCase.captureOnCommitCallbacks(execute=True):
        release_notifications(call_b)
    (decision,) = mail.outbox
    assert sender_name(decision) == "Fabrique de la Mer"
    assert decision.reply_to == ["fabrique@mer.example.org"]


def test_the_form_and_the_call_use_the_sites_word(client, form_b, form_page):
    path = form_b.get_url_parts()[2]
    page_b = client.get(path, HTTP_HOST=B_HOST).content.decode()
    assert "Votre projet" in page_b and "Votre candidature" not in page_b
    assert "Vous pouvez déposer vos projets jusqu'au" in page_b
    assert "Votre candidature" in client.get(form_page.url).content.decode()
    call_b = form_b.get_parent().specific
    assert [d["label"] for d in call_b.key_dates][0] == "Dépôt des projets"
    call_page = client.get(call_b.get_url_parts()[2], HTTP_HOST=B_HOST)
    assert "Dépôt des projets" in call_page.content.decode()
    schema = client.get(f"/api/v3/forms/{form_b.pk}/", HTTP_HOST=B_HOST).json()
    assert "Votre projet" in [field["label"] for field in schema["fields"]]
