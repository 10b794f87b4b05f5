"""PDFs speak the site's vocabulary: « projet » instead of « candidature », its jury's name."""

import io

import pytest
from pypdf import PdfReader

from cms_pages.models import SiteIdentity
from exports.pdf import render_candidature_pdf, render_jury_book_pdf
from forms.factories import CandidatureFactory
from forms.receipts import render_receipt_pdf
from selection.models import ReviewRound, RoundMember
from tests.users import member_of

pytestmark = pytest.mark.django_db


def words_of(content):
    """The PDF's text on one line: a sentence may wrap anywhere."""
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def projects(site):
    """This site calls its candidatures « projets » and its jury « comité de sélection »."""
    identity = SiteIdentity.for_site(site)
    identity.term_candidature, identity.term_candidatures = "projet", "projets"
    identity.term_jury = "comité de sélection"
    identity.save()
    return identity


def test_the_receipt_names_the_candidature_with_the_sites_word(projects, form_page):
    """The receipt's sentence says « votre projet », never « candidature »."""
    candidature = CandidatureFactory(page=form_page)
    text = words_of(render_receipt_pdf(candidature))
    assert "Nous avons bien reçu votre projet pour « Appel de test »" in text
    assert "candidature" not in text.lower()


def test_the_default_receipt_says_votre_candidature(site, form_page):
    """Without a word of its own, the site's receipt says « votre candidature »."""
    candidature = CandidatureFactory(page=form_page)
    text = words_of(render_receipt_pdf(candidature))
    assert "Nous avons bien reçu votre candidature pour « Appel de test »" in text
    assert candidature.reference in text


def test_the_dossier_names_the_candidature_with_the_sites_word(projects, form_page):
    """The dossier's heading line says « Projet pour … », with no agreeing « reçue »."""
    candidature = CandidatureFactory(page=form_page)
    text = words_of(render_candidature_pdf(candidature))
    assert "Projet pour « Appel de test » — date de réception :" in text
    assert "Candidature" not in text and "reçue le" not in text


def test_the_jury_book_names_the_jury_with_the_sites_word(projects, call, form_page):
    """The cover lists the members under the site's word for its jury."""
    review_round = ReviewRound.objects.create(call=call, kind="preselection")
    RoundMember.objects.create(round=review_round, user=member_of("Jury", "alice"))
    review_round.candidatures.add(CandidatureFactory(page=form_page, status="eligible"))
    text = words_of(render_jury_book_pdf(review_round))
    assert "Comité de sélection : Alice" in text
