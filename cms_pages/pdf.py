"""PDFs in a site's name: its identity on the page, the State's style or a neutral one."""

import hashlib
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import pikepdf
from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from core.pdf import (
    PARTS_SECONDS,
    fonts,
    html_to_pdf,
    reuse_key,
    reused_pdf,
    reused_pdfs,
)
from core.pdfjoin import join, numbered_overlay, page_count, sample_label

from .models import SiteIdentity, Theme

logger = logging.getLogger("amorce.pdf")


def pdf_style(identity):
    """The State's typeface and blue for a DSFR site; plain ones for a neutral site."""
    if identity.theme == Theme.DSFR:
        return {
            "fonts": fonts(),
            "font_family": '"Marianne", "DejaVu Sans", sans-serif',
            "accent": "#000091",
        }
    return {
        "fonts": {},
        "font_family": '"DejaVu Sans", sans-serif',
        "accent": "#1f3a5f",
    }


def page_label():
    """A page label's words, « Page » 12 « / » 307: its prefix and separator."""
    return gettext("Page") + " ", " / "


def css_string(text):
    """``text`` inside a CSS string's double quotes, safe in a ``<style>``."""
    return mark_safe(  # noqa: S308 - every character that could end it is escaped
        "".join(
            f"\\{ord(character):x} " if character in '"\\<>&\n\r' else character
            for character in text
        )
    )


def pdf_context(context, site=None):
    """``context`` with what ``cms_pages/pdf/base.html`` reads: the site's
    identity and style, the page label's words, the hour of editing."""
    identity = SiteIdentity.for_site_or_defaults(site)
    prefix, separator = page_label()
    return {
        **pdf_style(identity),
        "identity": identity,
        "page_prefix": css_string(prefix),
        "page_separator": css_string(separator),
        "generated_at": timezone.localtime(),
        **context,
    }


def render_pdf(template, context, site=None):
    """``template`` (extending ``cms_pages/pdf/base.html``) as a PDF of ``site``."""
    return html_to_pdf(render_to_string(template, pdf_context(context, site)))


#: How many times the front matter may be drawn again because its own length
#: moved the page numbers its contents print (once is the rule: the numbers'
#: width almost never changes a page break).
FRONT_ATTEMPTS = 4


#: Fewer parts to draw than this per process: drawn in this one (a process
#: costs its start and the copies of the PDFs back).
PARTS_PER_PROCESS = 8


def draw_many(htmls):
    """``htmls`` as tagged PDFs, in order: in ``AMORCE_PDF_PROCESSES`` processes
    at once where there are enough of them, else one after the other.

    The processes are forked from this one (Django and, once warmed up,
    WeasyPrint and its fonts already loaded) and only draw: no database, no
    cache. Set for the task worker alone (Procfile), whose other thread only
    beats: a web worker's threads could be inside the font library when it
    forks.
    """
    processes = min(
        getattr(settings, "AMORCE_PDF_PROCESSES", 1),
        len(htmls) // PARTS_PER_PROCESS,
    )
    if processes <= 1:
        return [html_to_pdf(html) for html in htmls]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(processes, mp_context=context) as pool:
        return list(pool.map(html_to_pdf, htmls))


def _digest(*contents):
    whole = hashlib.sha256()
    for content in contents:
        whole.update(hashlib.sha256(content).digest())
    return whole.hexdigest()


def _replace_in_slot(slot, keys):
    """Keep ``keys`` (a document's front, numbers, joined whole) as the ones of
    ``slot`` (one document: a round's book, a member's copy) and delete those
    they replace: what is drawn anew after each change is kept once, not once
    per change."""
    slot_key = reuse_key(f"slot\0{slot}")
    stale = [key for key in cache.get(slot_key, []) if key not in keys]
    if stale:
        cache.delete_many(stale)
    cache.set(slot_key, keys, PARTS_SECONDS)


def _numbers(template, context, total, cover, renew=False):
    """The page numbers and running footer of a ``total``-page document, and
    the keys of what was kept for it alone (for its slot).

    Built from a two-page sample (``core.pdfjoin.numbered_overlay``): the
    running footer beside a hidden label, then the label alone showing
    every character a label needs. The sample depends on the footer alone:
    drawn once, it serves every length of the document (a dossier longer by
    a page does not draw the numbers of all the pages again: 0.03 s instead
    of 3 s for 307 pages). It is kept a week apart from the document's slot
    (``_replace_in_slot``): documents with the same footer share it. Drawn
    page by page by WeasyPrint when the sample cannot be read.
    """
    prefix, separator = page_label()
    sample_html = render_to_string(
        template,
        {
            **context,
            "bare_pages": False,
            "label_sample": css_string(sample_label(prefix, separator)),
        },
    )
    sample = reused_pdf(
        "untagged\0" + sample_html,
        lambda: html_to_pdf(sample_html, tagged=False),
        PARTS_SECONDS,
        renew=renew,
    )
    try:
        numbers = numbered_overlay(sample, total, prefix, separator, cover)
    except (pikepdf.PdfError, ValueError, LookupError, AttributeError, TypeError):
        numbers = None  # a sample drawn otherwise than it reads them
    if numbers is not None:
        return numbers, []
    logger.warning("page numbers drawn page by page: the sample is not read")
    numbers_html = render_to_string(
        template,
        {**context, "bare_pages": False, "pages": range(total), "cover": cover},
    )
    key_html = "untagged\0" + numbers_html
    numbers = reused_pdf(
        key_html,
        lambda: html_to_pdf(numbers_html, tagged=False),
        PARTS_SECONDS,
        renew=renew,
    )
    return numbers, [reuse_key(key_html)]  # one a length: replaced in the slot


def render_joined_pdf(
    templates,
    context,
    items,
    site=None,
    cover=True,
    join_parts=True,
    slot=None,
    renew=False,
):
    """A long document in parts, drawn apart, kept apart, joined (``core.pdfjoin``).

    ``templates``: ``front`` (cover, contents...), ``part`` (one per item of
    ``items``, given as ``item``, each starting on a new page) and ``numbers``
    (extending ``cms_pages/pdf/page_numbers.html``: the running footer).

    Each part is kept a week by the digest of its HTML (``core.pdf.reused_pdfs``):
    a part whose content did not change is not drawn again, whatever else
    changed, until it expires or personal data is erased. Before the front
    matter is drawn, each item gets the ``page`` its part starts on, for the
    contents; the front is kept under its HTML and the parts' (its hour of
    editing is that of the newest content). The pages are numbered once
    joined, « Page n / N » and the running footer laid on each page but the
    cover; the joined document is kept a day. ``slot`` names the document
    (a round's book, a member's copy): its front, numbers and joined whole
    replace the previous ones in the cache instead of piling up.

    With ``join_parts=False``, only what WeasyPrint draws is drawn and kept,
    nothing joined (``exports.pdf.prepare_jury_books``). With ``renew``, what
    was already kept is kept a week more from now (the nightly preparation:
    a round quiet for a week still has its book ready).
    """
    context = pdf_context({**context, "bare_pages": True}, site)
    undated = {**context, "generated_at": None}
    part_htmls = [
        render_to_string(templates["part"], {**undated, "item": item}) for item in items
    ]
    parts = reused_pdfs(
        part_htmls,
        lambda missing: draw_many([part_htmls[i] for i in missing]),
        renew=renew,
    )
    counts = [page_count(part) for part in parts]
    parts_digest = _digest(*parts)

    for item in items:
        item["page"] = ""
    # Its length, as last drawn from the same HTML (numbers aside), else for as
    # many items: drawn again only if that guess moved the numbers.
    length_key = reuse_key(
        "front pages\0" + render_to_string(templates["front"], undated)
    )
    rough_key = reuse_key(f"front pages\0{templates['front']}\0{len(items)}")
    guesses = cache.get_many([length_key, rough_key])
    length = guesses.get(length_key) or guesses.get(rough_key) or 1
    for _attempt in range(FRONT_ATTEMPTS):
        page = length + 1
        for item, count in zip(items, counts, strict=True):
            item["page"] = page
            page += count
        front_html = render_to_string(templates["front"], undated)
        front = reused_pdf(
            f"front\0{parts_digest}\0{front_html}",
            lambda: html_to_pdf(render_to_string(templates["front"], context)),
            PARTS_SECONDS,
            renew=renew,
        )
        drawn_length = page_count(front)
        if drawn_length == length:
            break
        length = drawn_length
    else:
        raise RuntimeError("the front matter's length does not settle")
    cache.set_many({length_key: length, rough_key: length}, PARTS_SECONDS)

    numbers, kept = _numbers(
        templates["numbers"], undated, length + sum(counts), cover, renew
    )
    kept.append(reuse_key(f"front\0{parts_digest}\0{front_html}"))
    joined_key_html = "joined\0" + _digest(front, *parts, numbers)
    kept.append(reuse_key(joined_key_html))  # prepared: one already joined stays
    joined = None
    if join_parts:
        joined = reused_pdf(
            joined_key_html,
            lambda: join([front, *parts], numbers, overlay_from=1 if cover else 0),
        )
    if slot is not None:
        _replace_in_slot(slot, kept)
    return joined
