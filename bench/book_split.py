"""The jury book drawn in two halves by two processes, joined by pikepdf: a measurement.

    BENCH_REDIS_URL= python bench/book_split.py   # after `bench/run.py pdfs` seeded its base
    BENCH_SPLIT_AT=41 ...                          # the second half from dossier 41

Not the product: it measures what drawing the book on two cores would cost
(docs/performance.md, « Reprise (branche `book`) »). The HTML is the
product's (``render_jury_book_pdf`` up to the engine). It is cut before the
dossier that makes both halves the same length; each half is drawn by
WeasyPrint in its own process (forked after the imports, as the whole book
is), at the same time; then joined by ``core.pdfjoin`` (the product's
join, since the book is drawn in parts), and the result goes through the
PDF/UA checker of the tests (pdfua). What a reader would find wrong: the
second half's page numbers and « / N », and the contents' numbers and links
to the second half, which the product's book gets right by drawing its
front matter last (``cms_pages.pdf.render_joined_pdf``).

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
from core import pdfjoin  # noqa: E402


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
    """``second``'s pages after ``first``'s, by the product's join (``core.pdfjoin``)."""
    start = time.process_time()
    joined = pdfjoin.join([first, second])
    pages = len(pikepdf.open(io.BytesIO(joined)).pages)
    return joined, time.process_time() - start, pages


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
