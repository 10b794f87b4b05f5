"""The PDF engine: HTML to PDF with WeasyPrint, reading local files only.

Fonts and images come from local files only (the DSFR's Marianne, served by
django-dsfr): the URL fetcher refuses anything that is not a file under the
project's static folders, so a PDF never fetches from the network. Each app
renders its own kinds of PDF with it (``cms_pages.pdf.render_pdf`` adds the
site's identity and style).
"""

from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.contrib.staticfiles import finders
from django.http import HttpResponse


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


def html_to_pdf(html):
    # lazy: importing WeasyPrint costs about a second; only PDF requests pay it.
    from weasyprint import HTML

    return HTML(
        string=html, base_url=None, url_fetcher=local_only_fetcher()
    ).write_pdf()


def pdf_response(content, filename):
    """A PDF to download, never kept by a cache on the way."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
