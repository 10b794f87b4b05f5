"""The candidature form page: a Wagtail form page under a call (its fields: ``form_fields``).

It composes the rest of the app: it serves through ``forms.views`` (which
knows ``candidatures`` only), so that nothing below imports it.
"""

from django.db import models
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.forms.forms import WagtailAdminFormPageForm
from wagtail.contrib.forms.models import (
    AbstractForm,
    validate_to_address,
)
from wagtail.fields import RichTextField
from wagtail.search import index

from cms_pages.blocks import RICH_TEXT_FEATURES
from cms_pages.models import CallPage
from cms_pages.panels import (
    ProgrammeTeamFieldPanel,
    ProgrammeTeamFormsetsMixin,
    ProgrammeTeamInlinePanel,
)
from cms_pages.routing import RouteKept
from core import pagecache
from core.text import SingleLineCharField

from ..builder import (
    IDENTITY_FIELDS,
    TOKEN_FIELD,
    CandidatureFormBuilder,
    token_uuid,
)
from ..conditions import condition_errors
from ..eligibility import eligibility_errors
from ..services import submit_candidature
from ..steps import empty_step_errors
from ..views import serve_candidature_form, serve_form_preview, serve_landing_preview
from .candidatures import Candidature, FormDefinition
from .form_fields import CandidatureFormField


class CandidatureFormPageForm(ProgrammeTeamFormsetsMixin, WagtailAdminFormPageForm):
    # The questions decide what personal data is collected: the programme team's.
    programme_team_formsets = ("form_fields",)
    programme_team_fields = ("notification_emails",)

    def clean(self):
        cleaned_data = super().clean()
        formset = self.formsets.get("form_fields")
        if formset is None:
            return cleaned_data
        kept = [
            form
            for form in sorted(
                formset.forms,
                key=lambda form: (
                    form.cleaned_data.get("ORDER") or 0
                    if hasattr(form, "cleaned_data")
                    else 0
                ),
            )
            if hasattr(form, "cleaned_data")
            and form.cleaned_data
            and not form.cleaned_data.get("DELETE")
        ]
        questions = [form.instance for form in kept]
        every = [condition_errors(questions), eligibility_errors(questions)]
        if cleaned_data.get("use_steps"):
            every.append(empty_step_errors(questions))
        for errors in every:
            for position, messages in errors.items():
                for option, message in messages.items():
                    if option not in kept[position].errors:
                        kept[position].add_error(option, message)
        return cleaned_data


class CandidatureFormPage(RouteKept, AbstractForm):
    """The form agents fill to apply to the call this page sits under.

    Its route is kept per process (``cms_pages.routing``): a submission reads
    neither the tree nor the page again while nothing of its site changes.
    """

    introduction = models.TextField(_("chapô"), blank=True)
    confirmation_text = RichTextField(
        _("message de confirmation"),
        blank=True,
        features=RICH_TEXT_FEATURES,
        help_text=_("Affiché après l'envoi, avec la référence de la candidature."),
    )
    confirmation_email_subject = SingleLineCharField(
        _("objet du courriel de confirmation"),
        max_length=200,
        default=_("Votre candidature {reference} a bien été reçue"),
        help_text=_("« {reference} » est remplacé par la référence de la candidature."),
    )
    confirmation_email_body = models.TextField(
        _("texte du courriel de confirmation"),
        blank=True,
        default=_(
            "Bonjour,\n\nNous avons bien reçu votre candidature. Conservez sa référence, "
            "{reference}, pour toute question.\n\nVoici le résumé de vos réponses."
        ),
        help_text=_("Le résumé des réponses est ajouté à la suite."),
    )
    use_steps = models.BooleanField(
        _("Présenter les sections comme des étapes"),
        default=False,
        help_text=_(
            "Chaque section devient une étape, avec un indicateur de progression, "
            "« Précédent » / « Suivant » et une vérification des réponses avant l'envoi. "
            "Vos coordonnées forment la première étape."
        ),
    )
    notification_emails = models.CharField(
        _("notifier l'équipe programme"),
        max_length=500,
        blank=True,
        validators=[validate_to_address],
        help_text=_(
            "Adresses séparées par des virgules, prévenues de chaque nouvelle candidature."
        ),
    )

    # The definition of the live fields, kept in step when the page is saved, so
    # that a submission finds it without a query.
    current_definition = models.ForeignKey(
        "forms.FormDefinition",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    current_definition_digest = models.CharField(
        max_length=64, blank=True, editable=False
    )

    form_builder = CandidatureFormBuilder
    kept_with_route = ("call",)  # routing read it (``CallPage.route``)
    base_form_class = CandidatureFormPageForm
    # A copy (Wagtail's, or « Dupliquer pour une nouvelle session ») stores its
    # own definition at its first candidature, never the original page's.
    exclude_fields_in_copy = ["current_definition", "current_definition_digest"]

    parent_page_types = ["cms_pages.CallPage"]
    subpage_types = []
    max_count = None
    max_count_per_parent = 1

    content_panels = AbstractForm.content_panels + [
        FieldPanel("introduction"),
        FieldPanel("use_steps"),
        ProgrammeTeamInlinePanel(
            "form_fields", heading=_("Champs du formulaire"), label=_("Champ")
        ),
        MultiFieldPanel(
            [
                FieldPanel("confirmation_text"),
                FieldPanel("confirmation_email_subject"),
                FieldPanel("confirmation_email_body"),
                # Where every applicant's identity is sent: the programme team's.
                ProgrammeTeamFieldPanel("notification_emails"),
            ],
            heading=_("Après l'envoi"),
        ),
    ]
    search_fields = AbstractForm.search_fields + [index.SearchField("introduction")]

    class Meta:
        verbose_name = _("formulaire de candidature")
        verbose_name_plural = _("formulaires de candidature")

    @cached_property
    def call(self):
        """The call this form sits under, in one query."""
        return CallPage.objects.get(path=self.path[: -self.steplen])

    # Set by ``serve``: this object is the live page, routed to, and its fields
    # are the published ones, read once per process (``_published``).
    serves_published_fields = False

    def _published(self):
        """``(fields, form classes)`` of the published page, kept in this process."""
        key = (self.live_revision_id, self.last_published_at)
        entry = _PUBLISHED_FORMS.get(self.pk)
        if entry is None or entry[0] != key:
            fields = list(CandidatureFormField.objects.filter(page_id=self.pk))
            entry = _PUBLISHED_FORMS[self.pk] = (key, fields, {})
        return entry[1], entry[2]

    @cached_property
    def cached_form_fields(self):
        if self.serves_published_fields:
            return self._published()[0]
        return list(self.form_fields.all())

    def get_form_fields(self):
        return self.cached_form_fields

    def get_data_fields(self):
        data_fields = [
            ("submit_time", _("Date d'envoi")),
            ("reference", _("Référence")),
        ]
        data_fields += list(IDENTITY_FIELDS.items())
        data_fields += [
            (f.clean_name, f.label) for f in self.get_form_fields() if f.is_input
        ]
        return data_fields

    def get_submission_class(self):
        return Candidature

    def get_definition(self):
        """The current form definition, stored once and shared by candidatures."""
        fields = [f.definition() for f in self.get_form_fields() if f.is_input]
        digest = FormDefinition.digest_of(fields)
        if self.current_definition_id and self.current_definition_digest == digest:
            return FormDefinition(
                pk=self.current_definition_id, page=self, digest=digest, fields=fields
            )
        definition = FormDefinition.for_fields(self, fields)
        type(self).objects.filter(pk=self.pk).update(
            current_definition=definition, current_definition_digest=digest
        )
        # The route kept by each process holds the page's row (``cms_pages.routing``).
        pagecache.page_changed(self)
        self.current_definition_id, self.current_definition_digest = (
            definition.pk,
            digest,
        )
        return definition

    def get_form_class(self):
        """Built once for the fields this page object read (``cached_form_fields``).

        A submission builds its form more than once (the API reads the names
        and types of a blank one first): the class is made only once.
        """
        fields = self.get_form_fields()
        if self.serves_published_fields:
            published, classes = self._published()
            # One class per word of the site and language: both are in its labels.
            if published is fields:
                key = (self.term_candidature(), get_language())
                if key not in classes:
                    classes[key] = self._build_form_class(fields)
                return classes[key]
        built = self.__dict__.get("_form_class_of")
        if built is None or built[0] is not fields:
            built = self.__dict__["_form_class_of"] = (
                fields,
                self._build_form_class(fields),
            )
        return built[1]

    def _build_form_class(self, fields):
        builder = self.form_builder(fields)
        builder.term = self.term_candidature()
        return builder.get_form_class()

    def term_candidature(self):
        """The site's word for a candidature (« candidature », « projet »…)."""
        return self.call.site_identity.term_candidature

    def serve(self, request, *args, **kwargs):
        self.serves_published_fields = True
        return serve_candidature_form(self, request, *args, **kwargs)

    def serve_preview(self, request, mode_name):
        if mode_name == "landing":
            return serve_landing_preview(self, request)
        return serve_form_preview(self, request)

    def process_form_submission(self, form):
        """Wagtail's hook, for code that drives the page as a stock form page.

        The site and the API go through ``forms.submission``, which checks more.
        """
        candidature, _created = submit_candidature(
            self,
            form.cleaned_data,
            answer_fields=form.answer_fields,
            token=token_uuid(self, form.cleaned_data.get(TOKEN_FIELD)),
        )
        return candidature


# Per process: the published fields of each form page served, and the form
# classes built from them, so that a submission neither reads its fields nor
# builds its form again. Keyed by the page's published revision: a publish, in
# whichever process, makes another key; fields or a page saved in this process
# (a script, a test) are dropped at once. A preview, the admin and the API read
# the page object's own fields.
_PUBLISHED_FORMS = {}


@receiver([post_save, post_delete], sender=CandidatureFormField)
def _forget_published_fields(sender, instance, **kwargs):
    _PUBLISHED_FORMS.pop(instance.page_id, None)


@receiver([post_save, post_delete], sender=CandidatureFormPage)
def _forget_published_page(sender, instance, **kwargs):
    _PUBLISHED_FORMS.pop(instance.pk, None)
