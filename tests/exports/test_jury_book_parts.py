"""The jury book joined from parts drawn apart (``core.pdfjoin``), as a reader
and a screen reader get it: each contents link lands on its dossier, each data
cell names its own table's headers, and the parts the task worker prepared
while the jury scored make a book that nothing has to draw.
"""

import datetime as dt
import io
import os
import time

import pytest
from django.core.management import CommandError, call_command
from django.test import TestCase
from django.utils import timezone
from pypdf import PdfReader

import core.pdf
from exports.pdf import prepare_jury_books, render_jury_book_pdf
from forms.factories import CandidatureFactory
from selection.models import Evaluation, ReviewRound, RoundMember
from tests.exports.test_jury_book_reuse import draws, pages_text  # noqa: F401 (a fixture)
from tests.exports.test_pdf_accessibility import assert_accessible, structure
from tests.exports.test_pdfs import round_with_dossiers  # noqa: F401 (a fixture)
from tests.users import member_of

pytestmark = pytest.mark.django_db


def score(review_round, dossier, member, comment):
    return Evaluation.objects.create(
        round=review_round,
        candidature=dossier,
        member=member,
        scores={str(c.pk): c.scale_max for c in review_round.call.criteria.all()},
        comment=comment,
        submitted_at=timezone.now(),
    )


def test_each_link_of_the_contents_lands_on_its_dossier(round_with_dossiers):  # noqa: F811
    review_round, dossiers, _alice, _bruno = round_with_dossiers
    reader = PdfReader(io.BytesIO(render_jury_book_pdf(review_round)))
    pages = [page.extract_text() for page in reader.pages]
    contents = next(i for i, text in enumerate(pages) if "Sommaire" in text)
    landing = {}
    for annotation in reader.pages[contents].get("/Annots", []):
        annotation = annotation.get_object()
        if "/Dest" in annotation:
            name = str(annotation["/Dest"])
            destination = reader.named_destinations[name]
            landing[name] = reader.get_destination_page_number(destination)
    for dossier in dossiers:
        page = landing[f"d{dossier.pk}"]
        assert pages[page].lstrip().startswith(dossier.reference), (
            f"the link to {dossier.reference} lands on page {page + 1}"
        )
    assert "Classement" in pages[landing["classement"]]


def test_each_data_cell_names_the_header_cells_of_its_own_table(
    round_with_dossiers,  # noqa: F811
    tmp_path,
):
    """WeasyPrint numbers header cells from 1 in each part: joined, they are
    renamed, or the second dossier's scores would be read under the first's."""
    review_round, dossiers, _alice, bruno = round_with_dossiers
    score(review_round, dossiers[1], bruno, "Avis de Bruno sur le deuxième")
    content = render_jury_book_pdf(review_round)
    elements = structure(PdfReader(io.BytesIO(content)))
    ids = [str(node["/ID"]) for kind, node in elements if kind == "TH"]
    assert len(ids) == len(set(ids)), "a header cell's id is unique in the book"
    tables = [node for kind, node in elements if kind == "Table"]
    assert len(tables) >= 4, "criteria, ranking and two evaluations tables"
    for table in tables:
        cells = [(kind, node) for kind, node in structure_under(table)]
        own = {str(node["/ID"]) for kind, node in cells if kind == "TH"}
        for kind, node in cells:
            if kind == "TD":
                headers = {str(h) for h in node["/A"]["/Headers"]}
                assert headers and headers <= own, "its own table's headers"
    assert_accessible(content, f"Cahier du jury — {review_round}", tmp_path)


def structure_under(element):
    found = []

    def walk(node):
        node = node.get_object() if hasattr(node, "get_object") else node
        if not isinstance(node, dict):
            return
        if "/S" in node:
            found.append((str(node["/S"])[1:], node))
        kids = node.get("/K")
        if kids is None:
            return
        kids = kids.get_object() if hasattr(kids, "get_object") else kids
        for kid in kids if isinstance(kids, list) else [kids]:
            walk(kid)

    walk(element)
    return found


def test_the_book_prepared_while_the_jury_scores_is_joined_not_drawn(
    round_with_dossiers,  # noqa: F811
    draws,  # noqa: F811
    settings,
):
    """After an evaluation, the task (``exports.preparation``, inline here)
    draws what changed in the book and in each member's copy: the book asked
    next draws nothing, and it is the one drawn from scratch, page for page."""
    settings.AMORCE_JURY_BOOK_PREPARE = True
    settings.AMORCE_JURY_BOOK_PREPARE_DELAY = 0
    review_round, dossiers, alice, bruno = round_with_dossiers
    with TestCase.captureOnCommitCallbacks(execute=True):
        score(review_round, dossiers[1], bruno, "Avis de Bruno, rendu la veille")
    prepared = len(draws)
    parts = draws.dossiers()
    assert len(parts) >= len(dossiers), "the book's dossiers and the copies'"
    assert len(parts) == len(set(parts)), (
        "a part the same in two copies (a dossier without evaluation) drawn once"
    )
    assert prepared, "the task drew the parts"
    book = render_jury_book_pdf(review_round)
    copy = render_jury_book_pdf(review_round, member=alice)
    assert len(draws) == prepared, "nothing drawn when the book is asked"
    assert "Avis de Bruno, rendu la veille" in "".join(pages_text(book))

    core.pdf.cache.clear()
    assert pages_text(render_jury_book_pdf(review_round)) == pages_text(book)
    assert pages_text(render_jury_book_pdf(review_round, member=alice)) == (
        pages_text(copy)
    )


def kept_keys():
    """Every PDF kept for reuse, as the lists ``forget_reused_pdfs`` reads name them."""
    lists = core.pdf.cache.get_many(core.pdf._index_keys())
    return [key for keys in lists.values() for key in keys]


#: What is kept, made to lapse this soon: « a week later ».
LAPSE_SECONDS = 4


def test_the_nightly_preparation_keeps_what_it_finds_a_week_more(
    round_with_dossiers,  # noqa: F811
    draws,  # noqa: F811
):
    """A round scored, then quiet until its meeting: the nightly preparation
    finds its parts kept and keeps them a week more, listed again for an
    erasure (even if the lists lapsed or were evicted), instead of letting
    them lapse a week after they were drawn."""
    review_round, _dossiers, alice, _bruno = round_with_dossiers
    prepare_jury_books(review_round)
    drawn = len(draws)
    assert drawn and kept_keys()
    # A week later, everything is about to lapse; the lists are gone.
    for key in kept_keys():
        core.pdf.cache.touch(key, LAPSE_SECONDS)
    renewed = set(kept_keys())
    core.pdf.cache.delete_many(core.pdf._index_keys())
    prepare_jury_books(review_round, renew=True)
    assert len(draws) == drawn, "found, not drawn again"
    time.sleep(LAPSE_SECONDS + 0.2)
    render_jury_book_pdf(review_round)
    render_jury_book_pdf(review_round, member=alice)
    assert len(draws) == drawn, "the book asked at the meeting draws nothing"
    # And an erasure still finds every one of them.
    alive = set(core.pdf.cache.get_many(list(renewed)))
    assert alive and alive <= set(kept_keys()), "every PDF still kept is listed"
    core.pdf.forget_reused_pdfs()
    assert core.pdf.cache.get_many(list(alive)) == {}


def test_a_preparation_after_a_change_lets_what_it_finds_lapse(
    round_with_dossiers,  # noqa: F811
    draws,  # noqa: F811
):
    """The preparation after each change does not renew what it finds (a
    touch a part, after every evaluation, would cost more than it saves):
    without the nightly run, a week later the book is drawn again."""
    review_round, _dossiers, _alice, _bruno = round_with_dossiers
    prepare_jury_books(review_round)
    drawn = len(draws.dossiers())
    for key in kept_keys():
        core.pdf.cache.touch(key, LAPSE_SECONDS)
    prepare_jury_books(review_round)
    time.sleep(LAPSE_SECONDS + 0.2)
    render_jury_book_pdf(review_round)
    assert len(draws.dossiers()) > drawn


@pytest.mark.parametrize(
    "change",
    ["dossiers", "a dossier's side", "member", "round"],
)
def test_a_book_is_prepared_before_the_first_evaluation(
    call,
    form_page,
    draws,  # noqa: F811
    settings,
    change,
):
    """The programme team prints the book before scoring starts: the round's
    dossiers, its members and its settings each ask for a preparation."""
    settings.AMORCE_JURY_BOOK_PREPARE = True
    settings.AMORCE_JURY_BOOK_PREPARE_DELAY = 0
    review_round = ReviewRound.objects.create(call=call, kind="preselection")
    dossiers = [CandidatureFactory(page=form_page, status="eligible") for _ in range(2)]
    alice = member_of("Jury", "alice")
    # Set up outside the capture: its own changes ask for nothing that runs.
    if change != "member":
        RoundMember.objects.create(round=review_round, user=alice)
    if change not in ("dossiers", "a dossier's side"):
        review_round.candidatures.add(*dossiers)
    core.pdf.cache.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        if change == "dossiers":
            review_round.candidatures.add(*dossiers)
        elif change == "a dossier's side":
            for dossier in dossiers:
                dossier.review_rounds.add(review_round)
        elif change == "member":
            RoundMember.objects.create(round=review_round, user=alice)
        else:
            review_round.ends_on = timezone.localdate()
            review_round.save()
    assert draws.dossiers(), "prepared after the change"
    prepared = len(draws)
    render_jury_book_pdf(review_round)
    render_jury_book_pdf(review_round, member=alice)
    assert len(draws) == prepared, "nothing drawn when the book is asked"


def test_the_nightly_command_prepares_the_rounds_under_way(
    round_with_dossiers,  # noqa: F811
    draws,  # noqa: F811
    settings,
):
    """Not closed, its meeting not a week past: prepared. Closed, or its
    meeting long past: not prepared, by the command or by a change."""
    review_round, dossiers, _alice, bruno = round_with_dossiers
    settings.AMORCE_JURY_BOOK_PREPARE = True
    settings.AMORCE_JURY_BOOK_PREPARE_DELAY = 0
    out = io.StringIO()
    call_command("prepare_jury_books", stdout=out)
    assert "1 tour(s) en cours : préparation demandée." in out.getvalue()
    prepared = len(draws)
    assert draws.dossiers()
    render_jury_book_pdf(review_round)
    assert len(draws) == prepared

    for update in (
        {"ends_on": timezone.localdate() - dt.timedelta(days=8)},
        {"closed_at": timezone.now()},
    ):
        ReviewRound.objects.filter(pk=review_round.pk).update(**update)
        core.pdf.cache.clear()
        draws.clear()
        out = io.StringIO()
        call_command("prepare_jury_books", stdout=out)
        assert "0 tour(s) en cours" in out.getvalue()
        assert draws == []
    with TestCase.captureOnCommitCallbacks(execute=True):
        score(review_round, dossiers[1], bruno, "Avis rendu après la clôture")
    assert draws == [], "a closed round is not prepared"


def test_the_daily_command_says_when_there_is_nothing_to_prepare_with(settings):
    settings.AMORCE_JURY_BOOK_PREPARE = False
    with pytest.raises(CommandError, match="n'est pas active"):
        call_command("prepare_jury_books")


def test_nothing_is_prepared_when_tasks_run_inline(round_with_dossiers, draws):  # noqa: F811
    """The tests' (and development's) tasks run in the request: an evaluation
    saved there does not wait for books to be drawn."""
    review_round, dossiers, _alice, bruno = round_with_dossiers
    with TestCase.captureOnCommitCallbacks(execute=True):
        score(review_round, dossiers[1], bruno, "Avis")
    assert draws == []


def test_the_page_numbers_are_artifacts_and_carry_no_tag(round_with_dossiers):  # noqa: F811
    """« Page n / N » is laid on each page as an artifact, once it is joined:
    a screen reader skips it, and it brings no marked content the structure
    tree would not know."""
    import pikepdf

    review_round, _dossiers, _alice, _bruno = round_with_dossiers
    pdf = pikepdf.open(io.BytesIO(render_jury_book_pdf(review_round)))
    for number, page in enumerate(pdf.pages, start=1):
        instructions = [
            (str(i.operator), list(i.operands))
            for i in pikepdf.parse_content_stream(page)
        ]
        drawn = [
            operands[0]
            for operator, operands in instructions
            if operator == "Do" and str(operands[0]).startswith("/Amorce")
        ]
        if number == 1:
            assert drawn == [], "the cover is not numbered"
            continue
        assert len(drawn) == 1, f"page {number} numbered once"
        assert instructions[-5] == ("BMC", [pikepdf.Name.Artifact])
        assert instructions[-1][0] == "EMC"
        stamp = page.Resources.XObject[drawn[0]]
        operators = [str(i.operator) for i in pikepdf.parse_content_stream(stamp)]
        assert "BDC" not in operators, "no tag inside the page number"


@pytest.mark.parametrize(
    ("tasks", "cache", "prepared"),
    [
        ("django_tasks_db.DatabaseBackend", "db.DatabaseCache", True),
        ("django_tasks_db.DatabaseBackend", "locmem.LocMemCache", False),
        ("django_tasks.backends.immediate.ImmediateBackend", "db.DatabaseCache", False),
    ],
)
def test_books_are_prepared_by_default_only_for_a_worker_sharing_the_cache(
    settings, tasks, cache, prepared
):
    """A worker's parts are of use only in a cache the web nodes read too."""
    from exports.preparation import enabled

    settings.AMORCE_JURY_BOOK_PREPARE = None
    settings.TASKS = {"default": {"BACKEND": tasks}}
    settings.CACHES = {
        "default": {
            "BACKEND": f"django.core.cache.backends.{cache}",
            "LOCATION": "amorce_test_cache",
        }
    }
    assert enabled() is prepared


def poppler_words(pdftotext_path, content, tmp_path):
    """Each page's words as poppler reads them: (text, xMin, yMin, xMax, yMax)."""
    import subprocess

    from defusedxml import ElementTree

    path = tmp_path / "numbers.pdf"
    path.write_bytes(content)
    xhtml = subprocess.run(  # noqa: S603 - our file, a fixed command
        [pdftotext_path, "-bbox", str(path), "-"], capture_output=True, check=True
    ).stdout
    namespace = "{http://www.w3.org/1999/xhtml}"
    return [
        [
            (w.text, *(float(w.get(k)) for k in ("xMin", "yMin", "xMax", "yMax")))
            for w in page.iter(f"{namespace}word")
        ]
        for page in ElementTree.fromstring(xhtml).iter(f"{namespace}page")
    ]


def require_pdftotext():
    import shutil

    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        if os.environ.get("AMORCE_REQUIRE_POPPLER"):
            pytest.fail("pdftotext (poppler-utils) is required here (.ci/run)")
        pytest.skip("poppler-utils (pdftotext) is not installed")
    return pdftotext


@pytest.mark.parametrize("theme", ["dsfr", "neutral"])
def test_the_numbers_built_from_a_sample_read_as_the_numbers_drawn(theme, tmp_path):
    """« Page n / N » and the running footer of 120 pages, built from the
    three-page sample, read by poppler as the 120 pages WeasyPrint draws: the
    same words on each page, each within a point of where WeasyPrint puts it
    (each glyph is shifted as it was in the sample, not as beside its own
    neighbours: « Page 71 / 120 » starts 0.56 pt off in Marianne; it ends at
    the same place)."""
    from django.template.loader import render_to_string

    from cms_pages.models import SiteIdentity, Theme
    from cms_pages.pdf import _numbers, pdf_context, pdf_style

    pdftotext = require_pdftotext()
    identity = SiteIdentity(theme=Theme.DSFR if theme == "dsfr" else Theme.NEUTRAL)
    context = {
        **pdf_context({"review_round": "Sélection — Appel 2026", "member": None}),
        **pdf_style(identity),
    }
    template = "exports/pdf/jury_book_numbers.html"
    built, kept_apart = _numbers(template, context, 120, True)
    assert kept_apart == [], "built from the sample, not drawn page by page"
    drawn = core.pdf.html_to_pdf(
        render_to_string(
            template,
            {**context, "bare_pages": False, "pages": range(120), "cover": True},
        ),
        tagged=False,
    )
    built_pages = poppler_words(pdftotext, built, tmp_path)
    drawn_pages = poppler_words(pdftotext, drawn, tmp_path)
    assert len(built_pages) == len(drawn_pages) == 120
    assert built_pages[0] == drawn_pages[0] == [], "the cover left bare"
    for number, (built_words, drawn_words) in enumerate(
        zip(built_pages[1:], drawn_pages[1:], strict=True), start=2
    ):
        assert [w[0] for w in built_words] == [w[0] for w in drawn_words]
        assert [w[0] for w in built_words][-4:] == ["Page", str(number), "/", "120"]
        for built_word, drawn_word in zip(built_words, drawn_words, strict=True):
            gap = max(
                abs(a - b) for a, b in zip(built_word[1:], drawn_word[1:], strict=True)
            )
            assert gap < 1, f"page {number}: {built_word} drawn at {drawn_word}"


def test_a_longer_book_draws_no_page_numbers_again(
    round_with_dossiers,  # noqa: F811
    draws,  # noqa: F811
    tmp_path,
):
    """The numbers depend on the running footer, not on the book's length: a
    comment that adds a page redraws its dossier and the front, and the
    numbers count the new page."""
    pdftotext = require_pdftotext()
    review_round, dossiers, alice, _bruno = round_with_dossiers
    before = render_jury_book_pdf(review_round)
    assert len(draws.numbers()) == 1, "the sample drawn once"
    evaluation = Evaluation.objects.get(
        round=review_round, candidature=dossiers[0], member=alice
    )
    evaluation.comment = "Relu en commission, longuement.\n" * 120
    evaluation.save(update_fields=["comment"])
    after = render_jury_book_pdf(review_round)
    total = len(PdfReader(io.BytesIO(after)).pages)
    assert total > len(PdfReader(io.BytesIO(before)).pages), "a longer book"
    assert len(draws.numbers()) == 1, "no numbers drawn again"
    last = poppler_words(pdftotext, after, tmp_path)[-1]
    assert [w[0] for w in last if w[2] > 780][-4:] == [
        "Page",
        str(total),
        "/",
        str(total),
    ]


def test_a_long_running_footer_leaves_the_page_number_its_room(
    round_with_dossiers,  # noqa: F811
    tmp_path,
):
    """A member's long name in the running footer wraps before the page
    number, as on a page WeasyPrint numbers itself: never drawn under it."""
    pdftotext = require_pdftotext()
    review_round, _dossiers, alice, _bruno = round_with_dossiers
    alice.first_name = "Marie-Christine Éléonore"
    alice.last_name = "de La Rochefoucauld-Montmorency-Villeneuve d'Ascq"
    alice.save(update_fields=["first_name", "last_name"])
    copy = render_jury_book_pdf(review_round, member=alice)
    for number, words in enumerate(poppler_words(pdftotext, copy, tmp_path)[1:], 2):
        bottom = [w for w in words if w[2] > 780]
        label = bottom[-4:]
        assert [w[0] for w in label][::2] == ["Page", "/"], f"page {number}"
        left, top, bottom_edge = label[0][1], label[0][2], label[0][4]
        for word in bottom[:-4]:
            same_line = word[2] < bottom_edge and word[4] > top
            assert not (same_line and word[3] > left), (
                f"page {number}: {word[0]!r} runs into the page number"
            )


def test_numbers_the_sample_cannot_give_are_drawn_page_by_page(
    round_with_dossiers,  # noqa: F811
    draws,  # noqa: F811
    monkeypatch,
    caplog,
):
    """A label the sample cannot spell glyph by glyph (a translation whose
    « â » is written as « a » and a combining accent, drawn as one glyph):
    the numbers are drawn by WeasyPrint page by page, and read right."""
    import cms_pages.pdf

    review_round, _dossiers, _alice, _bruno = round_with_dossiers
    monkeypatch.setattr(cms_pages.pdf, "gettext", lambda text: "Pa\u0302ge")
    book = render_jury_book_pdf(review_round)
    pages = len(PdfReader(io.BytesIO(book)).pages)
    assert "page numbers drawn page by page" in caplog.text
    drawn = [html.count('class="blank"') for html in draws.numbers()]
    assert drawn == [2, pages], "the sample, then one blank page a page"
    assert f"2 / {pages}" in pages_text(book)[1]


def test_a_label_with_quotes_is_built_as_written(
    round_with_dossiers,  # noqa: F811
    monkeypatch,
    caplog,
):
    """The label's words reach the CSS escaped (``css_string``): a translation
    with quotes and an ampersand is shown as written, on the dossier drawn by
    WeasyPrint and in the book built from the sample."""
    import cms_pages.pdf
    from exports.pdf import render_candidature_pdf

    review_round, dossiers, _alice, _bruno = round_with_dossiers
    monkeypatch.setattr(cms_pages.pdf, "gettext", lambda text: '"Feuille" & co')
    book = render_jury_book_pdf(review_round)
    pages = len(PdfReader(io.BytesIO(book)).pages)
    assert "page numbers drawn page by page" not in caplog.text
    assert f'"Feuille" & co 2 / {pages}' in pages_text(book)[1]
    dossier = PdfReader(io.BytesIO(render_candidature_pdf(dossiers[0])))
    assert '"Feuille" & co 1 / ' in dossier.pages[0].extract_text()


def test_a_sample_drawn_otherwise_is_not_read():
    """``numbered_overlay`` builds nothing from a sample whose label is not the
    one it is told (its characters and glyphs do not match one to one)."""
    from core.pdfjoin import numbered_overlay

    blank = '<div style="height: 1px; break-after: page; page: {}"></div>'
    html = (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>t</title>'
        "<style>@page label { @bottom-right { content: "
        '"Page 0123456789 / 0"; white-space: nowrap; } }</style></head><body>'
        + blank.format("auto")
        + blank.format("label").replace("break-after: page; ", "")
        + "</body></html>"
    )
    sample = core.pdf.html_to_pdf(html, tagged=False)
    assert numbered_overlay(sample, 5, "Page ", " / ") is not None, "read as told"
    assert numbered_overlay(sample, 5, "Folio ", " / ") is None
    assert numbered_overlay(sample, 5, "Page ", " sur ") is None


def test_the_page_numbers_stand_upright_at_the_bottom_right(
    round_with_dossiers,  # noqa: F811
    tmp_path,
):
    """Where poppler (``pdftotext -bbox``) reads them: « Page n / N » in the
    bottom margin on the right, the running footer on the left, as a reader
    sees them; not mirrored into the top margin by the page's own drawing."""
    import shutil
    import subprocess

    from defusedxml import ElementTree

    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        if os.environ.get("AMORCE_REQUIRE_POPPLER"):
            pytest.fail("pdftotext (poppler-utils) is required here (.ci/run)")
        pytest.skip("poppler-utils (pdftotext) is not installed")
    review_round, _dossiers, _alice, _bruno = round_with_dossiers
    path = tmp_path / "cahier.pdf"
    path.write_bytes(render_jury_book_pdf(review_round))
    xhtml = subprocess.run(  # noqa: S603 - our file, a fixed command
        [pdftotext, "-bbox", str(path), "-"], capture_output=True, check=True
    ).stdout
    pages = ElementTree.fromstring(xhtml).iter("{http://www.w3.org/1999/xhtml}page")
    for number, page in enumerate(pages, start=1):
        height, width = float(page.get("height")), float(page.get("width"))
        words = [
            (w.text, float(w.get("xMin")), float(w.get("yMin")))
            for w in page.iter("{http://www.w3.org/1999/xhtml}word")
        ]
        footer = [w for w in words if w[0] == "Page" and w[2] > height * 0.9]
        if number == 1:
            assert not footer, "the cover is not numbered"
            continue
        assert len(footer) == 1, f"page {number}: « Page » once, in the bottom margin"
        assert footer[0][1] > width / 2, "on the right"
        assert any(
            w[0] == "Cahier" and w[2] > height * 0.9 and w[1] < width / 2 for w in words
        ), "the running footer at the bottom left"


def test_a_run_under_way_makes_the_next_one_wait_its_turn(
    round_with_dossiers,  # noqa: F811
    draws,  # noqa: F811
    settings,
):
    """Two workers never prepare the same round at once: a run that finds
    another under way draws nothing and queues one for after the delay."""
    from django.core.cache import cache
    from django_tasks import default_task_backend

    from exports import preparation

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}
    }
    settings.AMORCE_JURY_BOOK_PREPARE = True
    review_round, _dossiers, _alice, _bruno = round_with_dossiers
    cache.set(preparation._running_key(review_round.pk), True)
    preparation.prepare_jury_books_task.call(review_round.pk)
    assert draws == []
    [queued] = default_task_backend.results
    assert queued.args == [review_round.pk, False], "after an evaluation: no renewal"
    assert queued.task.run_after is not None

    cache.delete(preparation._running_key(review_round.pk))
    preparation.prepare_jury_books_task.call(review_round.pk)
    assert draws.dossiers(), "its turn: drawn"
    assert cache.get(preparation._running_key(review_round.pk)) is None


def test_a_run_keeps_its_mark_while_it_draws_and_a_killed_one_lapses(
    round_with_dossiers,  # noqa: F811
    monkeypatch,
    settings,
):
    """The « under way » mark is a lease renewed before each copy: a run
    longer than the lease keeps it to the end; a run whose worker was killed
    (its mark left behind) holds the round back until the lease is over, not
    an hour; a run that another took over stops and leaves the other's mark."""
    import time

    from django.core.cache import cache

    import exports.pdf
    from exports import preparation

    settings.AMORCE_JURY_BOOK_PREPARE = True
    review_round, _dossiers, _alice, _bruno = round_with_dossiers
    copies = 1 + review_round.memberships.count()
    running = preparation._running_key(review_round.pk)
    monkeypatch.setattr(preparation, "LEASE_SECONDS", 1)
    marked = []
    taken_over = []

    def slow_copy(review_round, member=None, join_parts=True, renew=False):
        marked.append(cache.get(running))
        if len(marked) == 2 and taken_over:
            cache.set(running, "another run", 60)
        time.sleep(0.6)  # the copies take longer than the lease

    monkeypatch.setattr(exports.pdf, "render_jury_book_pdf", slow_copy)
    preparation.prepare_jury_books_task.call(review_round.pk)
    assert len(marked) == copies and None not in marked, (
        "the book and each member's copy drawn under the mark"
    )
    assert cache.get(running) is None, "the mark taken off at the end"

    with monkeypatch.context() as killed:  # a worker killed: its mark left
        killed.setattr(cache, "delete", lambda *args, **kwargs: None)
        preparation.prepare_jury_books_task.call(review_round.pk)
    assert cache.get(running) is not None
    marked.clear()
    preparation.prepare_jury_books_task.call(review_round.pk)
    assert marked == [], "the killed run's mark holds the round while it lasts"
    time.sleep(1.2)
    preparation.prepare_jury_books_task.call(review_round.pk)
    assert len(marked) == copies, "its lease over, the round is prepared again"

    marked.clear()
    taken_over.append(True)
    preparation.prepare_jury_books_task.call(review_round.pk)
    assert len(marked) == 2, "taken over after its second copy: it stops"
    assert cache.get(running) == "another run", "the other run's mark kept"


def test_a_book_drawn_anew_replaces_its_front_and_whole_in_the_cache(
    round_with_dossiers,  # noqa: F811
):
    """A week of scoring draws the front and the whole again after each
    change: only the newest are kept (the dossiers, by their content)."""
    from django.core.cache import cache

    review_round, dossiers, _alice, bruno = round_with_dossiers
    render_jury_book_pdf(review_round)
    index = core.pdf.cache.get_many(core.pdf._index_keys())
    before = {key for keys in index.values() for key in keys if cache.get(key)}
    score(review_round, dossiers[1], bruno, "Un avis de plus")
    render_jury_book_pdf(review_round)
    index = core.pdf.cache.get_many(core.pdf._index_keys())
    after = {key for keys in index.values() for key in keys if cache.get(key)}
    gone, new = before - after, after - before
    assert len(gone) == 2, "the old front and the old whole deleted"
    assert len(new) == 3, "the new dossier, front and whole"


def drawer_pid(html):
    """Drawn in a forked process: which one (module level, so that it is sent by name)."""
    return str(os.getpid()).encode()


def test_many_parts_are_drawn_by_several_processes_in_order(settings, monkeypatch):
    """The task worker draws the missing parts of a book on its cores
    (``AMORCE_PDF_PROCESSES``): each PDF comes back in its place."""
    from cms_pages.pdf import PARTS_PER_PROCESS, draw_many

    settings.AMORCE_PDF_PROCESSES = 2
    htmls = [
        f'<!DOCTYPE html><html lang="fr"><title>Partie {i}</title><p>Partie {i}</p>'
        for i in range(2 * PARTS_PER_PROCESS)
    ]
    contents = draw_many(htmls)
    assert [
        PdfReader(io.BytesIO(content)).pages[0].extract_text() for content in contents
    ] == [f"Partie {i}" for i in range(len(htmls))]

    monkeypatch.setattr("cms_pages.pdf.html_to_pdf", drawer_pid)
    drawers = set(draw_many(htmls))
    assert str(os.getpid()).encode() not in drawers and len(drawers) == 2
    assert set(draw_many(htmls[: PARTS_PER_PROCESS + 1])) == {
        str(os.getpid()).encode()
    }, "too few for two processes: drawn here"
