"""A second incubator on the instance, for tests: « Fabrique de la Mer »."""

import io

from django.core.management import call_command
from wagtail.models import Site

from cms_pages.factories import CallPageFactory

B_HOST = "mer.example.org"


def add_second_incubator():
    """The site ``create_incubator`` adds, with a call « Appel Mer ». Returns (site, call)."""
    call_command(
        "create_incubator",
        "Fabrique de la Mer",
        hostname=B_HOST,
        prefix="MER",
        theme="neutral",
        stdout=io.StringIO(),
    )
    site = Site.objects.get(hostname=B_HOST)
    programme = site.root_page.get_children().get().specific
    return site, CallPageFactory(parent=programme, slug="appel-mer", title="Appel Mer")
