"""The jury book drawn in two halves by two processes, joined by pikepdf: a measurement.

    BENCH_REDIS_URL= python bench/book_split.py   # after `bench/run.py pdfs` seeded its base
    BENCH_SPLIT_AT=41 ...                          # the second half from dossier 41

Not the product: it measures what drawing the book on two cores would cost
(docs/performance.md, « Reprise (branche `book`) »). The HTML is the
product's (``render_jury_book_pdf`` up to the engine). It is cut before the
dossier that makes both halves the same length; each half is drawn by
WeasyPrint in its own process (forked after the imports, as the whole book
is), at the same time; then the second half's pages, structure elements
(under the first half's ``Document``), parent tree (shifted), links and
bookmarks are put after the first half's, and the result goes through the
PDF/UA checker of the tests (pdfua). What a reader would still find wrong:
the second half's page numbers and « / N », and the contents' numbers and
links to the second half; that is the work left, not measured here.

Prints one JSON line: the whole book in one process, the two halves (wall
time of the pair, processor time of each), the join, pages, pdfua findings.
"""

import io
import json
import multiprocessing
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "site")]

from bench.run import bench_env  # noqa: E402

os.environ.update(bench_env())

import django  # noqa: E402

django.setup()

import pikepdf  # noqa: E402
import weasyprint  # noqa: E402, F401 - imported once, before the processes fork

from core import pdf as engine  # noqa: E402


def book_html():
    """The full book's HTML, as the product would hand it to WeasyPrint."""
    from django.core.cache import cache

    import cms_pages.pdf
    from exports.pdf import render_jury_book_pdf
    from forms.models import CandidatureFormPage
    from selection.models import ReviewRound

    page = CandidatureFormPage.objects.get(slug="formulaire-export")
    review_round = ReviewRound.objects.get(call=page.call, kind="selection")
    drawn = []
    cms_pages.pdf.html_to_pdf = lambda html: drawn.append(html) or b""
    cache.clear()  # nothing kept: the book is drawn, hence its HTML caught
    render_jury_book_pdf(review_round)
    return drawn[0]


def halves(html):
    """The front matter and the first dossiers, then the other dossiers, cut
    before the dossier that makes the two lengths closest, or before dossier
    ``BENCH_SPLIT_AT`` (the front matter weighs more than its length)."""
    starts = [m.start() for m in re.finditer(r'<section class="dossier"', html)]
    body = html.index("<body>")
    running_end = html.index("</div>", body) + len("</div>")
    end = html.rindex("</body>")
    if at := os.environ.get("BENCH_SPLIT_AT"):  # the first dossier of the second half
        cut = starts[int(at) - 1]
    else:
        cut = min(starts, key=lambda start: abs(start - (end - start + running_end)))
    return html[:cut] + html[end:], html[:running_end] + html[cut:]


def draw(html):
    cpu, wall = time.process_time(), time.perf_counter()
    content = engine.html_to_pdf(html)
    return content, time.process_time() - cpu, time.perf_counter() - wall


def join(first, second):
    """``second``'s pages after ``first``'s, its tags in ``first``'s structure tree."""
    start = time.process_time()
    pdf, other = pikepdf.open(io.BytesIO(first)), pikepdf.open(io.BytesIO(second))
    tree, other_tree = pdf.Root.StructTreeRoot, other.Root.StructTreeRoot
    numbers, other_numbers = tree.ParentTree.Nums, other_tree.ParentTree.Nums
    shift = max(int(numbers[i]) for i in range(0, len(numbers), 2)) + 1
    kept = len(pdf.pages)
    pdf.pages.extend(other.pages)  # the copies the tags below point to

    def copied(obj):
        return pdf.copy_foreign(obj if obj.is_indirect else other.make_indirect(obj))

    document = tree.K[0]
    for element in other_tree.K[0].K:
        element = copied(element)
        element.P = document
        document.K.append(element)
    for i in range(0, len(other_numbers), 2):
        numbers.append(int(other_numbers[i]) + shift)
        numbers.append(copied(other_numbers[i + 1]))
    for page in pdf.pages[kept:]:
        page.obj.StructParents = int(page.obj.StructParents) + shift
        for annotation in page.obj.get("/Annots", []):
            if "/StructParent" in annotation:
                annotation.StructParent = int(annotation.StructParent) + shift
    tree.ParentTreeNextKey = max(int(numbers[i]) for i in range(0, len(numbers), 2)) + 1
    outlines, other_outlines = pdf.Root.Outlines, other.Root.Outlines
    if "/First" in other_outlines:
        first_item = copied(other_outlines.First)
        item = first_item
        while True:
            item.Parent = outlines
            if "/Next" not in item:
                break
            item = item.Next
        if "/Last" in outlines:
            outlines.Last.Next = first_item
            first_item.Prev = outlines.Last
        else:
            outlines.First = first_item
        outlines.Last = item
        outlines.Count = int(outlines.get("/Count", 0)) + int(
            other_outlines.get("/Count", 0)
        )
    output = io.BytesIO()
    pdf.save(output, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return output.getvalue(), time.process_time() - start, len(pdf.pages)


def main():
    from pdfua import Severity, validate

    html = book_html()
    first_html, second_html = halves(html)
    forked = multiprocessing.get_context("fork")
    with forked.Pool(1) as pool:  # a fresh process, as for the halves
        wall = time.perf_counter()
        whole, whole_cpu, _wall = pool.apply(draw, (html,))
        whole_wall = time.perf_counter() - wall
    with forked.Pool(2) as pool:
        wall = time.perf_counter()
        (first, first_cpu, _), (second, second_cpu, _) = pool.map(
            draw, [first_html, second_html]
        )
        halves_wall = time.perf_counter() - wall
    wall = time.perf_counter()
    joined, join_cpu, pages = join(first, second)
    join_wall = time.perf_counter() - wall
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(joined)
        file.flush()
        findings = [
            f"{f.rule_id}: {f.message}"
            for f in validate(file.name).findings
            if f.severity >= Severity.WARNING
        ]
    print(
        json.dumps(
            {
                "whole_wall": round(whole_wall, 2),
                "whole_cpu": round(whole_cpu, 2),
                "whole_pages": len(pikepdf.open(io.BytesIO(whole)).pages),
                "halves_wall": round(halves_wall, 2),
                "halves_cpu": [round(first_cpu, 2), round(second_cpu, 2)],
                "join_wall": round(join_wall, 2),
                "join_cpu": round(join_cpu, 2),
                "pages": pages,
                "bytes": [len(whole), len(joined)],
                "pdfua_findings": findings,
                "load": [round(x, 1) for x in os.getloadavg()],
            }
        )
    )


if __name__ == "__main__":
    main()
