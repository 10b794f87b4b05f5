"""Every kind of PDF is a tagged PDF/UA-1: read back with pypdf, then checked by pdfua.

pdfua (on the package index, built on pikepdf, no JVM) decides the
machine-checkable part of PDF/UA-1 it implements (structure tree, marked
content, language, title, DisplayDocTitle, figures' alternative text, table
headers, link descriptions, PDF/UA identification); pypdf reads back what it
leaves out: headings in order with no skipped level, every table cell tied to
its header cells, bookmarks made from the headings, the structure in the
page's order.
"""

import io
import re

import pytest
from pdfua import Severity, validate
from pypdf import PdfReader
from pypdf.generic import BooleanObject, IndirectObject

from exports.pdf import (
    render_candidature_pdf,
    render_investigation_pdf,
    render_jury_book_pdf,
)
from forms.factories import CandidatureFactory
from forms.receipts import render_receipt_pdf
from investigations.services import open_from_candidature
from tests.exports.test_pdfs import round_with_dossiers  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_tagging_error(caplog):
    """WeasyPrint logs what it could not tag (a missing ``lang``, an image
    without ``alt``) and goes on: here, that fails the test."""
    caplog.set_level("WARNING", logger="weasyprint")
    yield
    errors = [
        r.getMessage()
        for r in caplog.records
        if r.name == "weasyprint" and r.levelname == "ERROR"
    ]
    assert not errors, errors


def resolve(obj):
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def structure(reader):
    """The structure elements' types (``H1``, ``Table``, ``TD``…) in tree order,
    with each element's dictionary."""
    found = []

    def walk(node):
        node = resolve(node)
        if not hasattr(node, "get"):
            return  # a marked-content id
        if "/S" in node:
            found.append((str(node["/S"])[1:], node))
        kids = node.get("/K")
        if kids is None:
            return
        kids = resolve(kids)
        for kid in kids if isinstance(kids, list) else [kids]:
            walk(kid)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return found


def outline_levels(outlines, depth=1):
    levels = []
    for item in outlines:
        if isinstance(item, list):
            levels.extend(outline_levels(item, depth + 1))
        else:
            levels.append((depth, item.title))
    return levels


def assert_accessible(content, title, tmp_path):
    reader = PdfReader(io.BytesIO(content))
    root = reader.trailer["/Root"]

    # Tagged, PDF/UA-1, in French, titled, the title shown instead of the file name.
    assert root["/MarkInfo"]["/Marked"] == BooleanObject(True)
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "fr"
    assert reader.metadata.title == title
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] == BooleanObject(True)
    xmp = resolve(root["/Metadata"]).get_data().decode()
    assert re.search(r'pdfuaid:part="1"|<pdfuaid:part>1<', xmp)
    assert title in xmp

    # Headings in order, from a single H1, no level skipped.
    elements = structure(reader)
    headings = [int(kind[1]) for kind, _ in elements if re.fullmatch(r"H[1-6]", kind)]
    assert headings and headings[0] == 1 and headings.count(1) == 1, headings
    for before, after in zip(headings, headings[1:], strict=False):
        assert after <= before + 1, f"a heading level skipped: {headings}"

    # Bookmarks: one per heading, at the heading's depth, in the page's order;
    # the structure tree reads the headings in that same order.
    bookmarks = outline_levels(reader.outline)
    assert [depth for depth, _title in bookmarks] == headings

    # Tables: rows in their groups, header cells with their scope, and every
    # data cell tied to its headers.
    for kind, element in elements:
        parent = str(resolve(element["/P"]).get("/S", ""))
        if kind in ("THead", "TBody", "TFoot"):
            assert parent == "/Table", f"{kind} in {parent}"
        if kind == "TR":
            assert parent in ("/Table", "/THead", "/TBody", "/TFoot"), parent
        if kind == "TH":
            assert "/ID" in element
            assert resolve(element["/A"])["/Scope"] in ("/Column", "/Row")
        if kind == "TD":
            assert resolve(element["/A"]).get("/Headers"), "a cell without its header"
    # Images (none drawn today) carry their alternative text.
    for kind, element in elements:
        if kind == "Figure":
            assert str(element.get("/Alt", "")).strip()

    # The PDF/UA checker: no error, no warning.
    path = tmp_path / "document.pdf"
    path.write_bytes(content)
    report = validate(str(path))
    problems = [
        (f.rule_id, f.severity.name, f.message)
        for f in report.findings
        if f.severity >= Severity.WARNING
    ]
    assert not problems, problems
    return reader, elements, bookmarks


def test_the_dossier_is_pdf_ua(round_with_dossiers, tmp_path):  # noqa: F811
    _round, dossiers, _alice, _bruno = round_with_dossiers
    content = render_candidature_pdf(dossiers[0], with_thread=True)
    _reader, _elements, bookmarks = assert_accessible(
        content, dossiers[0].reference, tmp_path
    )
    assert bookmarks[0] == (1, dossiers[0].reference)
    assert (2, "Réponses") in bookmarks


def test_the_receipt_is_pdf_ua(form_page, tmp_path):
    candidature = CandidatureFactory(page=form_page)
    assert_accessible(
        render_receipt_pdf(candidature),
        f"Accusé de réception {candidature.reference}",
        tmp_path,
    )


def test_the_jury_book_is_pdf_ua(round_with_dossiers, tmp_path):  # noqa: F811
    review_round, dossiers, _alice, _bruno = round_with_dossiers
    _reader, elements, bookmarks = assert_accessible(
        render_jury_book_pdf(review_round),
        f"Cahier du jury — {review_round}",
        tmp_path,
    )
    kinds = [kind for kind, _ in elements]
    assert "Table" in kinds and "TH" in kinds
    titles = [title for _depth, title in bookmarks]
    assert titles[:2] == ["Cahier du jury", "Critères de notation"]
    for dossier in dossiers:
        assert any(title.startswith(dossier.reference) for title in titles)


def test_each_tag_of_the_jury_book_names_the_page_it_is_drawn_on(
    round_with_dossiers,  # noqa: F811
):
    """A reader that follows the tags (a screen reader, « reflow ») goes from
    an element to its page: every element of every page says that page, and
    each page's own elements are the ones listed for it."""
    review_round, _dossiers, _alice, _bruno = round_with_dossiers
    reader = PdfReader(io.BytesIO(render_jury_book_pdf(review_round)))
    assert len(reader.pages) >= 5
    tree = resolve(reader.trailer["/Root"]["/StructTreeRoot"])
    numbers = resolve(resolve(tree["/ParentTree"])["/Nums"])
    parents = dict(zip(numbers[::2], numbers[1::2], strict=True))
    seen = set()
    for index, page in enumerate(reader.pages):
        key = page["/StructParents"]
        assert key not in seen
        seen.add(key)
        elements = [resolve(e) for e in resolve(parents[key])]
        assert elements, f"page {index + 1} has no tagged content"
        for element in elements:
            said = element.raw_get("/Pg")
            assert said.idnum == page.indirect_reference.idnum, (
                f"an element of page {index + 1} says page "
                f"{reader.get_page_number(said.get_object()) + 1}"
            )


def test_the_members_copy_is_pdf_ua(round_with_dossiers, tmp_path):  # noqa: F811
    review_round, _dossiers, alice, _bruno = round_with_dossiers
    assert_accessible(
        render_jury_book_pdf(review_round, member=alice),
        f"Cahier du jury — {review_round}",
        tmp_path,
    )


def test_the_synthesis_is_pdf_ua(form_page, tmp_path):
    laureate = CandidatureFactory(
        page=form_page,
        status="selected",
        form_data={"le_probleme": "Les usagers attendent trois mois."},
    )
    investigation = open_from_candidature(laureate)[0]
    # Drawn before its team is named (no empty table), then with its team.
    assert_accessible(
        render_investigation_pdf(investigation),
        f"Synthèse — {investigation.title}",
        tmp_path,
    )
    investigation.coach = "Claude Coach"
    investigation.recommendations = "Reprendre l'outil de la commune voisine."
    investigation.save()
    assert_accessible(
        render_investigation_pdf(investigation),
        f"Synthèse — {investigation.title}",
        tmp_path,
    )


def test_the_decision_letter_goes_through_the_same_engine(form_page, tmp_path):
    from selection.letters import render_decision_letter_pdf
    from selection.models import Notification

    candidature = CandidatureFactory(page=form_page, status="not_preselected")
    notification = Notification(
        candidature=candidature,
        status="not_preselected",
        subject="Votre candidature",
        body="Merci de votre candidature.",
    )
    assert_accessible(
        render_decision_letter_pdf(notification),
        f"Lettre de décision {candidature.reference}",
        tmp_path,
    )


PDF_TEMPLATES = [
    "cms_pages/templates/cms_pages/pdf",
    "exports/templates/exports/pdf",
    "forms/templates/forms/pdf",
    "selection/templates/selection/pdf",
]


def test_the_pdf_templates_give_headers_their_scope_and_images_their_text():
    """What the tags are made from: ``<th scope="col">`` in a table's head,
    ``<th scope="row">`` in its body, an ``alt`` on every image."""
    from django.conf import settings

    templates = [
        path
        for folder in PDF_TEMPLATES
        for path in (settings.BASE_DIR / folder).rglob("*.html")
    ]
    assert len(templates) >= 7
    for path in templates:
        text = path.read_text()
        for head in re.findall(r"<thead>.*?</thead>", text, re.S):
            assert all(
                'scope="col"' in th for th in re.findall(r"<th\b[^>]*>", head)
            ), path
        for body in re.findall(r"<tbody>.*?</tbody>", text, re.S):
            assert all(
                'scope="row"' in th for th in re.findall(r"<th\b[^>]*>", body)
            ), path
        assert all("alt=" in img for img in re.findall(r"<img\b[^>]*>", text)), path
