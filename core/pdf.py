"""The PDF engine: HTML to PDF with WeasyPrint, reading local files only.

Fonts and images come from local files only (the DSFR's Marianne, served by
django-dsfr): the URL fetcher refuses anything that is not a file under the
project's static folders, so a PDF never fetches from the network. Each app
renders its own kinds of PDF with it (``cms_pages.pdf.render_pdf`` adds the
site's identity and style).
"""

import functools
import hashlib
import logging
import threading
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.http import HttpResponse

logger = logging.getLogger("amorce.pdf")


def _font_path(name):
    found = finders.find(f"dsfr/dist/fonts/{name}")
    return Path(found).as_uri() if found else ""


def fonts():
    """The Marianne typeface of the State's design system, as local file addresses."""
    return {
        "regular": _font_path("Marianne-Regular.woff"),
        "bold": _font_path("Marianne-Bold.woff"),
        "italic": _font_path("Marianne-Regular_Italic.woff"),
    }


def _allowed_roots():
    """The folders a PDF may read from: the static files of the project and its apps."""
    roots = set()
    for finder in finders.get_finders():
        for storage in getattr(finder, "storages", {}).values():
            if getattr(storage, "location", None):
                roots.add(Path(storage.location).resolve())
        for location in getattr(finder, "locations", []):
            roots.add(
                Path(location[1] if isinstance(location, tuple) else location).resolve()
            )
    return roots


def local_only_fetcher():
    """WeasyPrint's fetcher, restricted to local files under the static folders."""
    # lazy: importing WeasyPrint costs about a second; only PDF requests pay it.
    from weasyprint.urls import URLFetcher

    roots = _allowed_roots()

    class LocalFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            # Decoded as the fetcher would read it, then checked, then read as
            # checked: « %2e%2e » cannot climb out of the allowed folders.
            parts = urlsplit(url)
            if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
                raise ValueError(f"refused resource: {url[:80]}")
            path = Path(url2pathname(parts.path)).resolve()
            if not any(path.is_relative_to(root) for root in roots):
                raise ValueError(f"refused resource: {url[:80]}")
            return super().fetch(path.as_uri(), headers)

    return LocalFetcher(allowed_protocols=["file"])


#: The one choice of PDF options, for every kind of PDF the project draws:
#: tagged PDF/UA-1 (ISO 14289-1). The variant turns WeasyPrint's tags on (a
#: structure tree that follows the HTML: headings, lists, tables with their
#: header cells, figures with their ``alt``), writes ``/MarkInfo``,
#: ``DisplayDocTitle`` and the PDF/UA identification in the XMP metadata; the
#: title comes from ``<title>``, the language from ``<html lang>``, the
#: bookmarks from the headings. What the templates owe it is in
#: docs/features.md (« PDF accessibles »).
PDF_OPTIONS = {"pdf_variant": "pdf/ua-1"}


def _reference_number(reference):
    return int(reference.split()[0])


def header_scopes(_document, pdf):
    """Give each table header cell its ``/Scope``, as HTML reads it.

    WeasyPrint ties every data cell to its header cells (``/Headers`` and
    ``/ID``) but writes no ``/Scope`` on the header cells, which checkers want
    to see. As in HTML, a header cell in the table head heads its column; one
    in the body heads its row (the templates write ``<th scope="col">`` in
    ``<thead>`` and ``<th scope="row">`` in ``<tbody>``, tested).
    """
    objects = pdf.objects
    for element in objects:
        if not isinstance(element, dict) or element.get("S") != "/TH":
            continue
        row = objects[_reference_number(element["P"])]
        group = objects[_reference_number(row["P"])] if "P" in row else {}
        scope = "/Column" if group.get("S") == "/THead" else "/Row"
        if "A" in element:
            element["A"]["Scope"] = scope
        else:  # no attributes yet: the table ones, with the scope
            import pydyf

            element["A"] = pydyf.Dictionary({"O": "/Table", "Scope": scope})


_engine = threading.local()


def font_configuration():
    """This thread's fonts for WeasyPrint, kept from one PDF to the next.

    WeasyPrint otherwise loads Fontconfig and decodes each ``@font-face`` again
    for every document (about a third of a dossier's time); kept, a face is
    found by its descriptors (family, weight, style, source) and read once.
    One per thread: a configuration is not meant to be shared between threads.
    """
    if getattr(_engine, "fonts", None) is None:
        from weasyprint.text.fonts import FontConfiguration

        _engine.fonts = FontConfiguration()
    return _engine.fonts


def _page_references_once():
    """pydyf's list of page references, made once per page count, not once per tag.

    WeasyPrint asks the PDF for ``page_references[n]`` for every structure
    element it writes, and pydyf rebuilds the whole list of pages each time:
    the jury book's 27,000 elements over 307 pages made 8 million references,
    about a tenth of the book's time, growing with the square of its length.
    Pages are only ever added (``add_page``), so the list made for a given
    count of pages stays right until the next page: the same references,
    rebuilt when the count changes.
    """
    import pydyf

    original = pydyf.PDF.__dict__.get("page_references")
    if getattr(original, "fget", None) is None or getattr(
        original.fget, "amorce_once", False
    ):
        return  # already installed, or pydyf changed: left as it is

    def page_references(pdf):
        kids = pdf.pages["Kids"]
        kept = pdf.__dict__.get("_amorce_page_references")
        if kept is None or kept[0] != len(kids):
            kept = (len(kids), original.fget(pdf))
            pdf.__dict__["_amorce_page_references"] = kept
        return kept[1]

    page_references.amorce_once = True
    pydyf.PDF.page_references = property(page_references)


def html_to_pdf(html, tagged=True):
    """``html`` (a whole document, with ``<title>`` and ``lang``) as a tagged PDF/UA-1.

    ``tagged=False``: a plain PDF, only for what is laid on a tagged one as an
    artifact (``core.pdfjoin``: page numbers), so that it carries no tag.
    """
    # lazy: importing WeasyPrint costs about a second; only PDF requests pay it.
    from weasyprint import HTML

    _page_references_once()

    document = HTML(string=html, base_url=None, url_fetcher=local_only_fetcher())
    if not tagged:
        return document.write_pdf(font_config=font_configuration())
    return document.write_pdf(
        finisher=header_scopes, font_config=font_configuration(), **PDF_OPTIONS
    )


#: How long a drawn PDF is kept for reuse (``reused_pdf``): a day covers a
#: jury's meeting; an entry is found only by the digest of exactly what it
#: shows, so a change never meets an old one.
REUSE_SECONDS = 24 * 3600


@functools.cache
def _code_digest():
    """Our own code that draws and joins PDFs, read once per process."""
    code = hashlib.sha256()
    for name in ("pdf.py", "pdfjoin.py"):
        code.update(Path(__file__).with_name(name).read_bytes())
    return code.hexdigest()


def _engine_digest():
    """What else than the HTML decides the PDF: the engine, its options, the
    fonts, and our own code that draws or joins it (a deployment that changes
    it never serves a PDF made by the code before)."""
    parts = [
        version("weasyprint"),
        version("pikepdf"),
        _code_digest(),
        repr(sorted(PDF_OPTIONS.items())),
    ]
    for address in fonts().values():
        if address:
            stat = Path(url2pathname(urlsplit(address).path)).stat()
            parts.append(f"{address}:{stat.st_size}:{stat.st_mtime_ns}")
    return "|".join(parts)


# Every reused PDF's key, so that they can all be deleted at once, in 16 lists
# by the key's last digit (a list is rewritten whenever a key joins it); and a
# generation in every key, so that one missed by a race is never served.
REUSED_INDEX = "amorce:pdf:reused"
REUSED_GENERATION = "amorce:pdf:generation"
MAX_REUSED = 4000  # keys per list, the oldest dropped (they expire anyway)
#: How long a part of a longer document is kept (the jury book's dossiers,
#: ``reused_pdfs``): a week covers a round's scoring, drawn as it goes.
PARTS_SECONDS = 7 * 24 * 3600


def _index_keys():
    return [f"{REUSED_INDEX}:{digit}" for digit in "0123456789abcdef"]


def _key_start():
    """What every key starts from: the generation, the engine."""
    digest = hashlib.sha256()
    digest.update(str(cache.get(REUSED_GENERATION, 0)).encode())
    digest.update(b"\0")
    digest.update(_engine_digest().encode())
    digest.update(b"\0")
    return digest


def reuse_key(key_html, start=None):
    """The cache key of the PDF drawn from ``key_html`` (the document as it
    would be drawn, less what changes each time, such as the hour of editing)."""
    digest = (start or _key_start()).copy()
    digest.update(key_html.encode())
    return f"amorce:pdf:{digest.hexdigest()}"


def _list(keys):
    """Name ``keys`` last in the lists ``forget_reused_pdfs`` reads (the
    oldest are dropped first), each list kept as long as the longest kept."""
    by_list = {}
    for key in keys:
        by_list.setdefault(f"{REUSED_INDEX}:{key[-1]}", []).append(key)
    lists = cache.get_many(list(by_list))
    updated = {}
    for name, named in by_list.items():
        fresh = set(named)
        kept = [key for key in lists.get(name, []) if key not in fresh]
        updated[name] = (kept + named)[-MAX_REUSED:]
    cache.set_many(updated, PARTS_SECONDS)  # none outlives its list


def _keep(contents, seconds):
    """Keep ``contents`` (``{key: pdf}``) and list their keys for ``forget_reused_pdfs``."""
    try:
        cache.set_many(contents, seconds)
        _list(list(contents))
    except Exception:  # noqa: BLE001 - a cache that refuses it only costs the next draw
        logger.warning(
            "PDF not kept for reuse (%s bytes)",
            sum(len(content) for content in contents.values()),
            exc_info=True,
        )


def _renew(keys, seconds):
    """Kept PDFs found again, kept ``seconds`` more from now and listed again
    (last: a list that lapsed or was evicted names them again, and they are
    not the first its length drops), so that ``forget_reused_pdfs`` finds them.
    One ``touch`` a key: the nightly preparation alone asks for it."""
    if not keys:
        return
    try:
        for key in keys:
            cache.touch(key, seconds)
        _list(keys)
    except Exception:  # noqa: BLE001 - a PDF not renewed is only drawn again
        logger.warning("kept PDFs not renewed", exc_info=True)


def reused_pdf(key_html, draw, seconds=REUSE_SECONDS, renew=False):
    """The PDF already drawn from the same ``key_html``, or ``draw()``'s, kept for next time.

    For long documents (the jury book) drawn again and again with nothing
    changed: the key is the digest of the whole HTML, so a changed answer, score,
    member or template makes another key and the PDF is drawn afresh; what is
    reused is byte for byte what was drawn from the same HTML. The cache is
    the project's (Redis or the database in production), shared by the web
    nodes and the task workers. ``renew``: found, it is kept ``seconds`` more
    (the nightly preparation of the jury books keeps a quiet round's parts).
    """
    key = reuse_key(key_html)
    content = cache.get(key)
    if content is not None:
        if renew:
            _renew([key], seconds)
        return content
    content = draw()
    _keep({key: content}, seconds)
    return content


def reused_pdfs(key_htmls, draw, seconds=PARTS_SECONDS, renew=False):
    """``reused_pdf`` for many documents at once (the parts of a longer one):
    read from the cache in one round trip; ``draw(indexes)`` draws those not
    found (their positions in ``key_htmls``) and returns their PDFs, in order.
    ``renew``: those found are kept ``seconds`` more."""
    start = _key_start()
    keys = [reuse_key(key_html, start) for key_html in key_htmls]
    found = cache.get_many(keys)
    if renew:
        _renew(list(found), seconds)
    missing = [index for index, key in enumerate(keys) if key not in found]
    if missing:
        drawn = dict(
            zip((keys[index] for index in missing), draw(missing), strict=True)
        )
        _keep(drawn, seconds)
        found.update(drawn)
    return [found[key] for key in keys]


def forget_reused_pdfs():
    """Delete every PDF kept for reuse: personal data is being anonymised or erased.

    The listed ones are deleted; the generation changes, so that one the lists
    missed (two books kept at once, a list's oldest dropped) can no longer be
    served, and expires.
    """
    try:
        lists = cache.get_many(_index_keys())
        cache.delete_many([key for keys in lists.values() for key in keys])
        cache.delete_many(_index_keys())
        # Not ``incr``: the database cache's would set it again with the default
        # timeout, and the generation would fall back to 0 five minutes later.
        cache.set(REUSED_GENERATION, cache.get(REUSED_GENERATION, 0) + 1, None)
    except Exception:  # noqa: BLE001 - said, and the kept PDFs expire anyway
        logger.warning("reused PDFs not forgotten", exc_info=True)


def warm_up():
    """Import WeasyPrint, load the fonts and draw a small tagged page, once per process.

    The first PDF of a process otherwise pays about a second for it (imports,
    fontconfig, Pango, the fonts' files); a task worker or web worker calls this
    when it starts (``PDF_WARM_UP``), so that its first dossier does not.
    """
    try:
        faces = {
            "regular": "font-weight: 400",
            "bold": "font-weight: 700",
            "italic": "font-style: italic",
        }
        style = "".join(
            f'@font-face {{ font-family: "Marianne"; src: url("{address}"); {faces[name]}; }}'
            for name, address in fonts().items()
            if address
        )
        html_to_pdf(
            '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
            f"<title>Préchauffage</title><style>{style}"
            ' body { font: 10pt "Marianne", "DejaVu Sans", sans-serif; }'
            " @page { @bottom-right { content: counter(page) ' / ' counter(pages); } }"
            "</style></head><body><h1>Préchauffage</h1>"
            "<p>Texte <strong>gras</strong>, <em>italique</em>.</p><dl><dt>A</dt>"
            '<dd style="white-space: pre-wrap">1</dd></dl>'
            '<table><thead><tr><th scope="col">A</th></tr></thead>'
            "<tbody><tr><td>1</td></tr></tbody></table></body></html>"
        )
    except Exception:  # noqa: BLE001 - a failed warm-up only leaves the cost to the first PDF
        logger.warning("PDF engine warm-up failed", exc_info=True)


def pdf_response(content, filename):
    """A PDF to download, never kept by a cache on the way."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
