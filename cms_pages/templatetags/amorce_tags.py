import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from dsfr.utils import generate_random_id
from wagtail.models import Page, Site

register = template.Library()


@register.simple_tag(takes_context=True)
def main_menu_items(context):
    """The site's top-level pages marked "show in menus", in tree order."""
    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    if site is None:
        return Page.objects.none()
    return (
        site.root_page.get_children()
        .live()
        .public()
        .in_menu()
        .only("id", "path", "depth", "title", "url_path", "slug")
    )


@register.filter
def is_within(page, item):
    """True when ``page`` is ``item`` or lies below it."""
    if not page or not getattr(page, "path", None):
        return False
    return page.path.startswith(item.path)


@register.inclusion_tag("dsfr/breadcrumb.html", takes_context=True)
def page_breadcrumb(context, page):
    """The DSFR breadcrumb from the site's home page down to ``page``."""
    request = context.get("request")
    ancestors = page.get_ancestors().filter(depth__gt=2)
    return {
        "self": {
            "id": generate_random_id("breadcrumb"),
            "links": [
                {"url": ancestor.get_url(request), "title": ancestor.title}
                for ancestor in ancestors
            ],
            "current": page.title,
        }
    }


@register.simple_tag
def unique_id(prefix):
    """An id for ARIA relations, unique within a page."""
    return generate_random_id(prefix)


_JSON_LD_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.simple_tag
def json_ld(data):
    """A ``<script type="application/ld+json">`` safe to embed in HTML."""
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(
        _JSON_LD_ESCAPES
    )
    # The payload is JSON with <, > and & escaped: it cannot close the script.
    safe_payload = mark_safe(payload)  # noqa: S308
    return format_html('<script type="application/ld+json">{}</script>', safe_payload)


@register.simple_tag(takes_context=True)
def link_href(context, value):
    """The address of a LinkBlock value: its page's URL, or its external URL."""
    page = value.get("page")
    if page:
        return page.get_url(context.get("request")) or ""
    return value.get("url") or ""
