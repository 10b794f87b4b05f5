"""Emails as people read them: HTML on the site's letterhead, and the same in plain text.

Every email (receipt, notice to the team, decision) is read from the outbox as
a mail client would: an HTML alternative in the site's name, in French,
accessible, that runs nothing an applicant wrote; and a text part that says
everything the HTML says, its links written out in full.
"""

import io
import re
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.test import TestCase
from pypdf import PdfReader

from cms_pages.models import SiteIdentity
from forms.emails import Letterhead
from forms.factories import CandidatureFactory
from forms.models import Candidature
from forms.services import change_status
from selection.models import Notification, NotificationTemplate
from selection.notifications import prepare_notifications, release_notifications

from .helpers import answers, post_form

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script> Dupont"


class Page(HTMLParser):
    """What a reader gets from an HTML part: its words, links, tables, and colours."""

    VOID = {"br", "meta", "img", "hr", "input", "link"}

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.stack, self.words, self.links, self.tags = [], [], [], []
        self.title, self.lang, self.pairs = "", None, []
        self.feed(html)

    @staticmethod
    def style(attrs, name):
        found = re.search(rf"(?:^|;)\s*{name}\s*:\s*(#[0-9a-fA-F]{{6}})", attrs)
        return found.group(1).lower() if found else None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag == "a":
            self.links.append(attrs.get("href", ""))
        inherited = self.stack[-1] if self.stack else ("#161616", "#ffffff")
        style = attrs.get("style") or ""
        colours = (
            self.style(style, "color") or inherited[0],
            self.style(style, "background-color") or inherited[1],
        )
        if tag not in self.VOID:
            self.stack.append(colours)

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if self.lasttag == "title" and not self.title:
            self.title = data.strip()
        elif data.strip():
            self.words.append(data)
            self.pairs.append(self.stack[-1] if self.stack else None)

    @property
    def text(self):
        return " ".join(" ".join(self.words).split())


def luminance(colour):
    def channel(value):
        value = int(value, 16) / 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one, other):
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def html_of(message):
    (alternative,) = message.alternatives
    assert alternative[1] == "text/html"
    return alternative[0]


def flat(text):
    return " ".join(text.split())


def assert_reads_well(message):
    """lang, title, layout tables only, no image, contrast, links spelled out in the text."""
    html = html_of(message)
    page = Page(html)
    assert page.lang == "fr"
    assert page.title == message.subject
    tables = [attrs for tag, attrs in page.tags if tag == "table"]
    assert tables and all(attrs.get("role") == "presentation" for attrs in tables)
    assert not [tag for tag, _ in page.tags if tag in ("img", "th", "caption")]
    for pair in filter(None, page.pairs):
        assert contrast(*pair) >= 4.5, pair
    text = flat(message.body)
    for href in page.links:
        assert href.removeprefix("mailto:") in text, href
    return page


@pytest.fixture
def identity(site):
    identity = SiteIdentity.for_site(site)
    identity.service_title = "Incubateur de l'Exemple"
    identity.name_lines = "Ministère\nde l'Exemple"
    identity.contact_email = "contact@exemple.gouv.fr"
    identity.save()
    return identity


def test_the_receipt_is_html_on_the_site_letterhead_and_says_the_same_in_text(
    client, identity, form_page
):
    post_form(client, form_page)
    receipt = next(m for m in mail.outbox if m.to == ["camille.martin@example.gouv.fr"])
    page = assert_reads_well(receipt)
    # The letterhead is text: the ministry's lines and the service, not an image.
    assert "Ministère de l'Exemple Incubateur de l'Exemple" in page.text
    for words in (
        "Vos réponses",
        "Les usagers attendent trois mois pour un rendez-vous.",
        "Préfecture de l'Exemple",
        "L'accusé de réception, en PDF, est joint à ce message.",
        "vous pouvez y répondre, ou écrire à contact@exemple.gouv.fr",
    ):
        assert words in page.text, words
        assert words in flat(receipt.body), words
    reference = receipt.attachments[0][0].removeprefix("accuse-de-reception-")[:-4]
    assert reference in page.text and reference in receipt.body
    assert "mailto:contact@exemple.gouv.fr" in page.links


def test_the_team_notice_links_to_the_candidature_with_its_full_address(
    client, identity, form_page
):
    post_form(client, form_page)
    notice = next(m for m in mail.outbox if m.to == ["programme@example.org"])
    page = assert_reads_well(notice)
    (link,) = page.links
    assert re.fullmatch(r"http://testserver/admin/candidatures/inspect/\d+/", link)
    assert link in notice.body
    assert "merci de ne pas y répondre" in page.text, "an internal notice"
    assert "Incubateur de l'Exemple" in page.text


def test_what_an_applicant_writes_never_runs_in_the_html(client, identity, form_page):
    post_form(
        client,
        form_page,
        answers(identity_name=SCRIPT, le_probleme="<b>gras</b>\n<img src=x>"),
    )
    receipt = next(m for m in mail.outbox if m.to == ["camille.martin@example.gouv.fr"])
    html = html_of(receipt)
    assert "<script>" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html
    assert SCRIPT in Page(html).text, "shown as written, not run"
    assert SCRIPT in receipt.body, "the text part is plain text: not escaped"


@pytest.fixture
def decided(form_page, paula):
    candidature = CandidatureFactory(
        page=form_page, status="eligible", applicant_name=SCRIPT
    )
    change_status(candidature, "preselected", user=paula)
    change_status(candidature, "selected", user=paula)
    return candidature


def released(call):
    with TestCase.captureOnCommitCallbacks(execute=True):
        release_notifications(call)


def test_a_decision_email_renders_the_team_s_text_safely(identity, call, decided):
    NotificationTemplate.objects.create(
        status="selected",
        subject="Votre candidature {reference}",
        body="Bonjour {nom},\n\nVotre projet est lauréat.\nLe programme : https://exemple.gouv.fr/programme",
    )
    assert prepare_notifications(call, "selected") == (1, 0)
    released(call)
    (decision,) = mail.outbox
    page = assert_reads_well(decision)
    html = html_of(decision)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert f"Bonjour {SCRIPT}," in page.text
    assert "https://exemple.gouv.fr/programme" in page.links
    assert "<p>Bonjour" in html and "lauréat.<br>" in html, "paragraphs and lines kept"
    assert "Incubateur de l'Exemple" in page.text
    assert decision.attachments == [], "no letter unless the template asks"
    assert f"Bonjour {SCRIPT}," in decision.body


def test_a_decision_letter_in_pdf_states_the_decision_and_the_reason(
    identity, call, form_page, paula
):
    candidature = CandidatureFactory(
        page=form_page, status="eligible", applicant_name="Léa Martin"
    )
    change_status(candidature, "not_preselected", user=paula, reason="hors périmètre")
    NotificationTemplate.objects.create(
        status="not_preselected",
        subject="Votre candidature {reference}",
        body="Bonjour {nom},\n\nNotre réponse : {statut}, pour ce motif : {motif}.",
        attach_letter=True,
    )
    prepare_notifications(call, "not_preselected")
    released(call)
    (decision,) = mail.outbox
    ((name, content, mimetype),) = decision.attachments
    assert name == f"lettre-de-decision-{candidature.reference}.pdf"
    assert mimetype == "application/pdf"
    letter = flat(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    )
    for words in (
        "Incubateur de l'Exemple",
        "Léa Martin",
        candidature.reference,
        "Appel de test",
        "Décision Non pré-sélectionnée",
        "pour ce motif : hors périmètre.",
    ):
        assert words in letter, words
    assert "La lettre de décision, en PDF, est jointe à ce message." in decision.body
    assert "La lettre de décision, en PDF, est jointe" in Page(html_of(decision)).text


def test_the_pre_selection_may_be_told_after_the_committee_decided(
    client, paula, call, form_page, decided
):
    """One email per stage: a laureate or a candidature the committee did not
    retain may still be told the jury pre-selected it; never twice."""
    not_retained = CandidatureFactory(page=form_page, status="eligible")
    change_status(not_retained, "preselected", user=paula)
    change_status(not_retained, "not_selected", user=paula, reason="budget")
    reversed_ = CandidatureFactory(page=form_page, status="eligible")
    change_status(reversed_, "preselected", user=paula)
    change_status(reversed_, "not_preselected", user=paula, reason="erreur")
    never = CandidatureFactory(page=form_page, status="eligible")
    change_status(never, "not_preselected", user=paula, reason="hors sujet")
    NotificationTemplate.objects.create(
        status="preselected", subject="{reference} : {statut}", body="Bonjour {nom}"
    )
    client.force_login(paula)
    url = f"/admin/courriels-de-decision/?call={call.pk}"
    row = re.search(
        r"<td>Pré-sélectionnée</td><td>(\d+)</td><td>(\d+)</td>",
        client.get(url).content.decode(),
    )
    assert row.groups() == ("2", "2")

    assert prepare_notifications(call, "preselected") == (2, 0)
    notified = Notification.objects.filter(status="preselected")
    assert {n.candidature for n in notified} == {decided, not_retained}
    assert {n.subject for n in notified} == {
        f"{decided.reference} : Pré-sélectionnée",
        f"{not_retained.reference} : Pré-sélectionnée",
    }, "the status announced, not the one reached since"
    assert prepare_notifications(call, "preselected") == (0, 0), "never twice"


def test_the_candidature_page_lists_its_emails(client, paula, identity, form_page):
    post_form(client, form_page)
    candidature = Candidature.objects.get()
    change_status(candidature, "eligible", user=paula)
    change_status(candidature, "not_preselected", user=paula, reason="trop large")
    NotificationTemplate.objects.create(
        status="not_preselected",
        subject="Réponse pour {reference}",
        body="Motif : {motif}",
        attach_letter=True,
    )
    prepare_notifications(form_page.call, "not_preselected")
    client.force_login(paula)
    page = Page(
        client.get(f"/admin/candidatures/inspect/{candidature.pk}/").content.decode()
    )
    section = page.text[page.text.index("Courriels") :]
    for words in (
        "Accusé de réception Envoyé",
        "Avis à l'équipe programme Envoyé",
        "Décision : Non pré-sélectionnée Préparé",
        f"Réponse pour {candidature.reference}",
        "Motif : trop large",
        f"lettre-de-decision-{candidature.reference}.pdf",
        "Vos réponses",  # the receipt's text, to read
    ):
        assert words in section, words


def test_the_letterhead_gives_any_email_both_parts(form_page):
    """The interface other emails are written against."""
    letterhead = Letterhead(form_page.call)
    message = letterhead.message(
        "Un objet\nsur deux lignes",
        ["a@example.org"],
        template="selection/emails/decision",
        context={"body": "Un texte <écrit> par l'équipe."},
        invite_reply=False,
        attachments=[("note.txt", "contenu", "text/plain")],
    )
    assert message.subject == "Un objet sur deux lignes"
    assert message.reply_to == []
    assert message.attachments == [("note.txt", "contenu", "text/plain")]
    assert "Un texte <écrit> par l'équipe." in message.body
    assert "Un texte &lt;écrit&gt; par l&#x27;équipe." in html_of(message)
    assert_reads_well(message)


def test_a_local_authority_s_emails_wear_its_own_name_and_colour(
    client, site, form_page
):
    """Neutral theme: the authority's name in text, its accent, never the State's marks."""
    identity = SiteIdentity.for_site(site)
    identity.theme = "neutral"
    identity.name_lines = "Région Exemple"
    identity.service_title = "Laboratoire d'innovation"
    identity.save()
    post_form(client, form_page)
    for message in mail.outbox:
        page = assert_reads_well(message)
        assert "Région Exemple Laboratoire d'innovation" in page.text
        assert "République" not in page.text
        assert "#0b5566" in html_of(message) and "#000091" not in html_of(message)
