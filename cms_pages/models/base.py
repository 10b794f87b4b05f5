"""What every page of ours has: an introduction."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.search import index


class IntroductionMixin(models.Model):
    """A lead paragraph ("chapô") shown under the title and in listings."""

    introduction = models.TextField(
        _("chapô"),
        blank=True,
        help_text=_(
            "Une ou deux phrases qui résument la page, affichées sous le titre."
        ),
    )

    content_panels = [FieldPanel("introduction")]
    search_fields = [index.SearchField("introduction")]

    class Meta:
        abstract = True
