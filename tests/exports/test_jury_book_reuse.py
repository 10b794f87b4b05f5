"""The jury book drawn in parts, each kept and drawn again only when it changed.

A book (or a member's copy) is joined from parts kept under the digest of
their HTML (``cms_pages.pdf.render_joined_pdf``): each dossier with its
evaluations, the front matter (cover, criteria, contents, ranking), the page
numbers. These tests read the PDFs back with pypdf and check that the book
served again is the fresh one page for page, that a changed answer or score
is never served stale and redraws only what shows it, that each member gets
their own copy, and that the contents' page numbers and the pages' numbers
stay right.
"""

import io
import re

import pytest
from django.utils import timezone
from pypdf import PdfReader

import core.pdf
from exports.pdf import render_jury_book_pdf, warm_up
from selection.models import Evaluation
from tests.exports.test_pdf_accessibility import assert_accessible
from tests.exports.test_pdfs import round_with_dossiers  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

EDITED = re.compile(r"édité le .*")


def pages_text(content):
    """Each page's text, the hour of editing left out (it is the first draw's)."""
    reader = PdfReader(io.BytesIO(content))
    return [EDITED.sub("", page.extract_text()) for page in reader.pages]


class Draws(list):
    """The HTML of each PDF the engine really drew, by kind of part."""

    def dossiers(self):
        return [html for html in self if '<section class="dossier"' in html]

    def fronts(self):
        return [html for html in self if "Sommaire" in html]

    def numbers(self):
        return [html for html in self if 'class="blank"' in html]


@pytest.fixture
def draws(monkeypatch):
    calls = Draws()
    real = core.pdf.html_to_pdf

    def counting(html, **options):
        calls.append(html)
        return real(html, **options)

    monkeypatch.setattr("cms_pages.pdf.html_to_pdf", counting)
    return calls


def test_the_book_served_again_is_the_fresh_one_page_for_page(
    round_with_dossiers,  # noqa: F811
    draws,
):
    review_round, dossiers, _alice, _bruno = round_with_dossiers
    first = render_jury_book_pdf(review_round)
    assert len(draws.dossiers()) == len(dossiers), "each dossier drawn apart"
    assert draws.fronts() and len(draws.numbers()) == 1
    drawn = len(draws)
    again = render_jury_book_pdf(review_round)
    assert len(draws) == drawn, "nothing drawn again"
    assert again == first

    core.pdf.cache.clear()
    fresh = render_jury_book_pdf(review_round)
    assert len(draws) > drawn
    assert pages_text(again) == pages_text(fresh)


def test_a_changed_answer_is_never_served_stale(round_with_dossiers, draws):  # noqa: F811
    review_round, dossiers, _alice, _bruno = round_with_dossiers
    assert "Problème 1" in "".join(pages_text(render_jury_book_pdf(review_round)))
    drawn = len(draws)
    dossiers[1].form_data = {**dossiers[1].form_data, "le_probleme": "Problème revu"}
    dossiers[1].save()
    text = "".join(pages_text(render_jury_book_pdf(review_round)))
    assert "Problème revu" in text and "Problème 1" not in text
    again = Draws(draws[drawn:])
    assert len(again.dossiers()) == 1 and "Problème revu" in again.dossiers()[0], (
        "only the changed dossier is drawn again"
    )
    assert len(again.fronts()) == 1 and len(again) == 2, (
        "and the cover, whose hour of editing is the newest content's"
    )


def test_a_new_score_is_never_served_stale(round_with_dossiers, draws):  # noqa: F811
    review_round, dossiers, _alice, bruno = round_with_dossiers
    render_jury_book_pdf(review_round)
    drawn = len(draws)
    Evaluation.objects.create(
        round=review_round,
        candidature=dossiers[1],
        member=bruno,
        scores={str(c.pk): c.scale_max for c in review_round.call.criteria.all()},
        comment="Second avis de Bruno",
        submitted_at=timezone.now(),
    )
    assert "Second avis de Bruno" in "".join(
        pages_text(render_jury_book_pdf(review_round))
    )
    again = Draws(draws[drawn:])
    assert len(again.dossiers()) == 1 and "Second avis de Bruno" in again.dossiers()[0]
    assert len(again.fronts()) == 1, "the ranking changed: the front drawn again"


def test_each_member_gets_their_own_copy_and_it_is_reused(
    round_with_dossiers,  # noqa: F811
    draws,
):
    review_round, dossiers, alice, bruno = round_with_dossiers
    book = "".join(pages_text(render_jury_book_pdf(review_round)))
    alices = render_jury_book_pdf(review_round, member=alice)
    brunos = "".join(pages_text(render_jury_book_pdf(review_round, member=bruno)))
    drawn = len(draws)
    assert render_jury_book_pdf(review_round, member=alice) == alices
    assert len(draws) == drawn, "the copy asked again is not drawn again"
    alices = "".join(pages_text(alices))
    assert "Avis de Bruno" in book and "Avis de Bruno" not in alices
    assert dossiers[2].reference in book and dossiers[2].reference not in alices
    assert "Avis d'Alice" not in brunos and "Avis de Bruno" in brunos
    assert "Exemplaire personnel pour Alice" in alices.replace("\n", " ")
    assert re.search(r"Cahier du jury — .* — Alice", alices), "her name in the footer"


def test_contents_and_page_numbers_are_right_in_the_book_served_again(
    round_with_dossiers,  # noqa: F811
    tmp_path,
):
    review_round, dossiers, _alice, _bruno = round_with_dossiers
    render_jury_book_pdf(review_round)
    again = render_jury_book_pdf(review_round)
    pages = pages_text(again)
    contents = next(text for text in pages if "Sommaire" in text)
    for number, text in enumerate(pages[1:], start=2):
        assert f"Page {number} / {len(pages)}" in text
    for dossier in dossiers:
        heading = f"{dossier.reference} — {dossier.applicant_name}"
        listed = re.search(re.escape(heading) + r"[ .]*(\d+)", contents)
        assert listed, f"{heading} missing from the contents"
        page = int(listed.group(1))
        assert heading in pages[page - 1]
        assert not any(
            heading in text and "Sommaire" not in text and "Classement" not in text
            for text in pages[: page - 1]
        ), f"{heading} starts before page {page}"
    assert_accessible(again, f"Cahier du jury — {review_round}", tmp_path)


def test_the_warm_up_draws_a_page_without_a_warning(caplog):
    """What a worker runs when it starts (``AMORCE_PDF_WARM_UP``) does not fail,
    and leaves the URLs' reverse map built: a site's address (``get_site``),
    read by the first PDF, no longer builds it."""
    from django.urls import clear_url_caches, get_resolver
    from django.utils.translation import get_language

    clear_url_caches()  # as in a process that starts
    warm_up()
    assert not [r for r in caplog.records if r.name.startswith("amorce.")]
    assert get_language() in get_resolver()._reverse_dict


def test_an_anonymisation_deletes_every_book_kept(round_with_dossiers, draws):  # noqa: F811
    from django.test import TestCase

    from forms.models import Candidature
    from privacy.services import anonymise

    review_round, dossiers, _alice, _bruno = round_with_dossiers
    render_jury_book_pdf(review_round)
    lists = core.pdf.cache.get_many(core.pdf._index_keys())
    kept = [key for keys in lists.values() for key in keys]
    assert len(kept) > len(dossiers), "the parts and the book kept"
    assert all(core.pdf.cache.get(key) is not None for key in kept)
    with TestCase.captureOnCommitCallbacks(execute=True):
        anonymise(Candidature.objects.filter(pk=dossiers[0].pk))
    assert not any(core.pdf.cache.get(key) for key in kept), "every kept PDF deleted"
    assert not core.pdf.cache.get_many(core.pdf._index_keys())
    drawn = len(draws)
    text = "".join(pages_text(render_jury_book_pdf(review_round)))
    assert len(Draws(draws[drawn:]).dossiers()) == len(dossiers), "all drawn again"
    assert dossiers[0].applicant_name not in text
