"""StreamField blocks of the public pages.

Each block names its template (``cms_pages/blocks/<block>.html``, drawn with
DSFR components) and, where the default would leak database ids only, its API
representation. Each page family gets its own StreamBlock so that changing one
family's list migrates only that family's pages.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock

from core.pagecache import mark_uncacheable

from .key_figures import KeyFigure, shown_figures

RICH_TEXT_FEATURES = ["bold", "italic", "link", "document-link", "ol", "ul", "h3", "h4"]


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Texte du titre"), max_length=200)
    level = blocks.ChoiceBlock(
        label=_("Niveau"),
        choices=[("h2", _("Titre de niveau 2")), ("h3", _("Titre de niveau 3"))],
        default="h2",
    )

    class Meta:
        icon = "title"
        label = _("Titre")
        template = "cms_pages/blocks/heading_block.html"


class ParagraphBlock(blocks.RichTextBlock):
    def __init__(self, **kwargs):
        kwargs.setdefault("features", RICH_TEXT_FEATURES)
        super().__init__(**kwargs)

    class Meta:
        icon = "pilcrow"
        label = _("Texte")
        template = "cms_pages/blocks/paragraph_block.html"


class LinkBlock(blocks.StructBlock):
    """A link to a page of the site or to an address: one of the two.

    With ``optional=True`` in its meta, a link left entirely empty is valid.
    """

    label = blocks.CharBlock(label=_("Libellé"), max_length=120, required=False)
    page = blocks.PageChooserBlock(label=_("Page du site"), required=False)
    url = blocks.URLBlock(label=_("ou adresse externe"), required=False)

    class Meta:
        icon = "link"
        label = _("Lien")
        optional = False

    def clean(self, value):
        value = super().clean(value)
        label, page, url = value.get("label"), value.get("page"), value.get("url")
        if not (label or page or url) and self.meta.optional:
            return value
        errors = {}
        if not label:
            errors["label"] = ValidationError(_("Indiquez le libellé du lien."))
        if bool(page) == bool(url):
            errors["url"] = ValidationError(
                _("Choisissez soit une page du site, soit une adresse externe.")
            )
        if errors:
            raise blocks.StructBlockValidationError(block_errors=errors)
        return value

    def get_api_representation(self, value, context=None):
        page = value.get("page")
        if not (value.get("label") or page or value.get("url")):
            return None
        return {
            "label": value.get("label"),
            "url": page.url if page else value.get("url"),
            "page": page.pk if page else None,
        }


class ButtonLinkBlock(LinkBlock):
    style = blocks.ChoiceBlock(
        label=_("Style"),
        choices=[
            ("primary", _("Principal")),
            ("secondary", _("Secondaire")),
        ],
        default="primary",
    )

    class Meta:
        icon = "link-external"
        label = _("Bouton")
        template = "cms_pages/blocks/button_link_block.html"

    def get_api_representation(self, value, context=None):
        link = super().get_api_representation(value, context)
        return link and {**link, "style": value.get("style")}


class CalloutBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Titre"), max_length=200, required=False)
    text = blocks.TextBlock(label=_("Texte"))
    link = ButtonLinkBlock(label=_("Bouton (facultatif)"), optional=True)

    class Meta:
        icon = "warning"
        label = _("Mise en avant")
        template = "cms_pages/blocks/callout_block.html"


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("Citation"))
    author = blocks.CharBlock(
        label=_("Auteur ou autrice"), max_length=200, required=False
    )
    source = blocks.CharBlock(
        label=_("Fonction ou source"), max_length=200, required=False
    )

    class Meta:
        icon = "openquote"
        label = _("Citation")
        template = "cms_pages/blocks/quote_block.html"


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("Image"))
    alt_text = blocks.CharBlock(
        label=_("Texte alternatif"),
        required=False,
        help_text=_("Laissez vide si l'image est décorative."),
    )
    caption = blocks.CharBlock(label=_("Légende"), max_length=250, required=False)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "cms_pages/blocks/image_block.html"

    def get_api_representation(self, value, context=None):
        image = value.get("image")
        rendition = image.get_rendition("max-1200x1200") if image else None
        return {
            "image": image.pk if image else None,
            "url": rendition.url if rendition else None,
            "width": rendition.width if rendition else None,
            "height": rendition.height if rendition else None,
            "alt_text": value.get("alt_text"),
            "caption": value.get("caption"),
        }


class AccordionItemBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Titre"), max_length=200)
    body = ParagraphBlock(label=_("Contenu"))


class AccordionBlock(blocks.StructBlock):
    items = blocks.ListBlock(AccordionItemBlock(), label=_("Éléments"), min_num=1)

    class Meta:
        icon = "list-ul"
        label = _("Accordéon")
        template = "cms_pages/blocks/accordion_block.html"


class TimelineItemBlock(blocks.StructBlock):
    date = blocks.DateBlock(label=_("Date"))
    end_date = blocks.DateBlock(label=_("Date de fin"), required=False)
    label = blocks.CharBlock(label=_("Étape"), max_length=200)
    description = blocks.TextBlock(label=_("Précisions"), required=False)


class TimelineBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Titre"), max_length=200, required=False)
    items = blocks.ListBlock(TimelineItemBlock(), label=_("Dates clés"), min_num=1)

    class Meta:
        icon = "date"
        label = _("Calendrier")
        template = "cms_pages/blocks/timeline_block.html"


class FaqQuestionBlock(blocks.StructBlock):
    question = blocks.CharBlock(label=_("Question"), max_length=300)
    answer = ParagraphBlock(label=_("Réponse"))


class FaqSectionBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Titre de la rubrique"), max_length=200)
    questions = blocks.ListBlock(FaqQuestionBlock(), label=_("Questions"), min_num=1)

    class Meta:
        icon = "help"
        label = _("Rubrique de questions")
        template = "cms_pages/blocks/faq_section_block.html"


class KeyFigureBlock(blocks.StructBlock):
    figure = blocks.ChoiceBlock(label=_("Chiffre"), choices=KeyFigure.choices)
    call = blocks.PageChooserBlock(
        label=_("Appel"),
        page_type="cms_pages.CallPage",
        required=False,
        help_text=_(
            "Pour les candidatures et les lauréats : un appel du site. Vide : "
            "tous les appels du site."
        ),
    )
    label = blocks.CharBlock(
        label=_("Libellé"),
        max_length=80,
        required=False,
        help_text=_("Vide : le nom du chiffre (« Candidatures reçues »…)."),
    )

    class Meta:
        icon = "order"
        label = _("Chiffre")


class KeyFiguresBlock(blocks.StructBlock):
    """Counts chosen by the editor, counted when the page is shown.

    Only totals of the page's site; a count under ``key_figures.MIN_SHOWN``
    is left out, and the block with it if none is left.
    """

    title = blocks.CharBlock(
        label=_("Titre"), max_length=120, required=False, default=_("Chiffres clés")
    )
    figures = blocks.ListBlock(
        KeyFigureBlock(), label=_("Chiffres"), min_num=1, max_num=6
    )

    class Meta:
        icon = "table"
        label = _("Chiffres clés")
        template = "cms_pages/blocks/key_figures_block.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        page = (parent_context or {}).get("page")
        site = page.get_site() if page is not None else None
        # Counts that change with every submission: the page is never kept whole.
        mark_uncacheable((parent_context or {}).get("request"))
        context["shown"] = shown_figures(value["figures"], site)
        return context

    def get_api_representation(self, value, context=None):
        return {
            "title": value.get("title"),
            "figures": [
                {"figure": item["figure"], "label": item.get("label") or ""}
                for item in value["figures"]
            ],
        }


# One StreamBlock per page family.


class HomeStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = ParagraphBlock()
    callout = CalloutBlock()
    quote = QuoteBlock()
    image = ImageBlock()
    button = ButtonLinkBlock()


class ProgrammeStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = ParagraphBlock()
    callout = CalloutBlock()
    quote = QuoteBlock()
    image = ImageBlock()
    accordion = AccordionBlock()
    button = ButtonLinkBlock()
    timeline = TimelineBlock()
    key_figures = KeyFiguresBlock()


class CallStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = ParagraphBlock()
    callout = CalloutBlock()
    quote = QuoteBlock()
    image = ImageBlock()
    accordion = AccordionBlock()
    button = ButtonLinkBlock()
    timeline = TimelineBlock()


class FaqStreamBlock(blocks.StreamBlock):
    section = FaqSectionBlock()
    paragraph = ParagraphBlock()
    callout = CalloutBlock()


class NewsStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = ParagraphBlock()
    callout = CalloutBlock()
    quote = QuoteBlock()
    image = ImageBlock()
    button = ButtonLinkBlock()
