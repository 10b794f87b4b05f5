"""The peer in the benchmarks: Wagtail's contrib.forms as documented, nothing added."""

from django.db import models
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.contrib.forms.models import AbstractForm, AbstractFormField


class StockFormField(AbstractFormField):
    page = ParentalKey(
        "StockFormPage", on_delete=models.CASCADE, related_name="form_fields"
    )


class StockFormPage(AbstractForm):
    content_panels = AbstractForm.content_panels + [
        InlinePanel("form_fields"),
        FieldPanel("title"),
    ]
