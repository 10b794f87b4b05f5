"""PDFs in a site's name: its identity on the page, the State's style or a neutral one."""

import hashlib
import io

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone

from core.pdf import (
    PARTS_SECONDS,
    fonts,
    html_to_pdf,
    reuse_key,
    reused_pdf,
    reused_pdfs,
)
from core.pdfjoin import join

from .models import SiteIdentity, Theme


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


def pdf_context(context, site=None):
    """``context`` with what ``cms_pages/pdf/base.html`` reads: the site's
    identity and style, the hour of editing."""
    identity = SiteIdentity.for_site_or_defaults(site)
    return {
        **pdf_style(identity),
        "identity": identity,
        "generated_at": timezone.localtime(),
        **context,
    }


def render_pdf(template, context, site=None, reuse=False):
    """``template`` (extending ``cms_pages/pdf/base.html``) as a PDF of ``site``.

    With ``reuse``, a PDF already drawn from the very same HTML (all but the
    hour of editing, ``generated_at``) is served again (``core.pdf.reused_pdf``):
    it then says when that content was first drawn.
    """
    context = pdf_context(context, site)
    if not reuse:
        return html_to_pdf(render_to_string(template, context))
    key_html = render_to_string(template, {**context, "generated_at": None})
    return reused_pdf(
        key_html, lambda: html_to_pdf(render_to_string(template, context))
    )


def page_count(content):
    """How many pages a PDF drawn by WeasyPrint has (its page tree's ``/Count``)."""
    import pikepdf  # lazy: only the long documents join parts

    with pikepdf.open(io.BytesIO(content)) as pdf:
        return len(pdf.pages)


#: How many times the front matter may be drawn again because its own length
#: moved the page numbers its contents print (once is the rule: the numbers'
#: width almost never changes a page break).
FRONT_ATTEMPTS = 4


def render_joined_pdf(
    templates, context, items, site=None, cover=True, join_parts=True
):
    """A long document in parts, drawn apart, kept apart, joined (``core.pdfjoin``).

    ``templates``: ``front`` (cover, contents...), ``part`` (one per item of
    ``items``, given as ``item``, each starting on a new page) and ``numbers``
    (extending ``cms_pages/pdf/page_numbers.html``: the running footer). Each
    part and the front matter are kept by the digest of their HTML
    (``core.pdf.reused_pdfs``), a week: a part whose content did not change is
    never drawn again, whatever else changed. Before the front matter is drawn,
    each item gets the ``page`` its part starts on, for the contents; the
    pages are numbered once joined, « Page n / N » and the running footer laid
    on each page but the cover. With ``join_parts=False``, only what WeasyPrint
    draws is drawn and kept, nothing joined (``exports.pdf.prepare_jury_books``).
    """
    context = pdf_context({**context, "bare_pages": True}, site)
    undated = {**context, "generated_at": None}
    part_htmls = [
        render_to_string(templates["part"], {**undated, "item": item}) for item in items
    ]
    parts = reused_pdfs(
        part_htmls, lambda missing: [html_to_pdf(part_htmls[i]) for i in missing]
    )
    counts = [page_count(part) for part in parts]

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
        front = reused_pdf(
            render_to_string(templates["front"], undated),
            lambda: html_to_pdf(render_to_string(templates["front"], context)),
            PARTS_SECONDS,
        )
        drawn_length = page_count(front)
        if drawn_length == length:
            break
        length = drawn_length
    else:
        raise RuntimeError("the front matter's length does not settle")
    cache.set_many({length_key: length, rough_key: length}, PARTS_SECONDS)

    total = length + sum(counts)
    numbers_html = render_to_string(
        templates["numbers"],
        {**undated, "bare_pages": False, "pages": range(total), "cover": cover},
    )
    numbers = reused_pdf(
        "untagged\0" + numbers_html,
        lambda: html_to_pdf(numbers_html, tagged=False),
        PARTS_SECONDS,
    )
    if not join_parts:
        return None

    whole = hashlib.sha256()
    for content in (front, *parts, numbers):
        whole.update(hashlib.sha256(content).digest())
    return reused_pdf(
        "joined\0" + whole.hexdigest(),
        lambda: join([front, *parts], numbers, overlay_from=1 if cover else 0),
    )
