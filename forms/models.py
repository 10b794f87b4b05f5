"""Candidature forms (Wagtail form pages under a call) and the candidatures."""

import hashlib
import json
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.forms.forms import WagtailAdminFormPageForm
from wagtail.contrib.forms.models import (
    AbstractForm,
    AbstractFormField,
    AbstractFormSubmission,
    validate_to_address,
)
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Site
from wagtail.search import index

from amorce.text import SingleLineCharField, email_subject
from cms_pages.blocks import RICH_TEXT_FEATURES
from cms_pages.models import only_site
from cms_pages.panels import (
    PROGRAMME_TEAM_PERMISSION,
    ProgrammeTeamFormsetsMixin,
    ProgrammeTeamInlinePanel,
)

from .builder import IDENTITY_FIELDS, IDENTITY_PREFIX, CandidatureFormBuilder
from .choices import NON_INPUT_TYPES, FieldType, FileKind, Status
from .fields import FileKindsField


def private_storage():
    return storages["private"]


class CandidatureFormField(AbstractFormField):
    page = ParentalKey(
        "forms.CandidatureFormPage",
        on_delete=models.CASCADE,
        related_name="form_fields",
    )
    field_type = models.CharField(
        _("type de champ"), max_length=16, choices=FieldType.choices
    )
    field_type.required_on_save = True
    max_length = models.PositiveIntegerField(
        _("longueur maximale"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100_000)],
        help_text=_("En caractères, pour les textes (255 et 10 000 par défaut)."),
    )
    allowed_file_types = FileKindsField(
        _("types de fichiers acceptés"),
        help_text=_(
            "Pour les fichiers joints. Par défaut : PDF, Word, OpenDocument, PNG, JPEG."
        ),
    )
    max_file_size_mb = models.DecimalField(
        _("taille maximale par fichier (Mo)"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0.1), MaxValueValidator(50)],
    )
    max_files = models.PositiveSmallIntegerField(
        _("nombre de fichiers"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("1 par défaut."),
    )

    panels = AbstractFormField.panels + [
        FieldPanel("max_length"),
        FieldRowPanel([FieldPanel("max_file_size_mb"), FieldPanel("max_files")]),
        FieldPanel("allowed_file_types"),
    ]

    class Meta(AbstractFormField.Meta):
        verbose_name = _("champ du formulaire")
        verbose_name_plural = _("champs du formulaire")

    def __str__(self):
        return self.label

    @property
    def allowed_file_kinds(self):
        kinds = (self.allowed_file_types or "").split(",")
        return [kind for kind in kinds if kind in FileKind.values]

    @property
    def is_input(self):
        return self.field_type not in NON_INPUT_TYPES

    def clean(self):
        super().clean()
        if self.get_field_clean_name().startswith(IDENTITY_PREFIX):
            raise ValidationError(
                {"label": _("Ce libellé est réservé au bloc d'identité.")}
            )
        unknown = set(filter(None, (self.allowed_file_types or "").split(","))) - set(
            FileKind.values
        )
        if unknown:
            raise ValidationError(
                {
                    "allowed_file_types": _("Types inconnus : %s")
                    % ", ".join(sorted(unknown))
                }
            )

    def definition(self):
        """What a candidature keeps of this field: enough to read its answer later."""
        return {
            "name": self.clean_name or self.get_field_clean_name(),
            "label": self.label,
            "type": self.field_type,
            "choices": self.choices,
            "help_text": self.help_text,
        }


class CandidatureFormPageForm(ProgrammeTeamFormsetsMixin, WagtailAdminFormPageForm):
    # The questions decide what personal data is collected: the programme team's.
    programme_team_formsets = ("form_fields",)


class CandidatureFormPage(AbstractForm):
    """The form agents fill to apply to the call this page sits under."""

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
    base_form_class = CandidatureFormPageForm

    parent_page_types = ["cms_pages.CallPage"]
    subpage_types = []
    max_count = None
    max_count_per_parent = 1

    content_panels = AbstractForm.content_panels + [
        FieldPanel("introduction"),
        ProgrammeTeamInlinePanel(
            "form_fields", heading=_("Champs du formulaire"), label=_("Champ")
        ),
        MultiFieldPanel(
            [
                FieldPanel("confirmation_text"),
                FieldPanel("confirmation_email_subject"),
                FieldPanel("confirmation_email_body"),
                # Where every applicant's identity is sent: the programme team's.
                FieldPanel("notification_emails", permission=PROGRAMME_TEAM_PERMISSION),
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
        from cms_pages.models import CallPage

        return CallPage.objects.get(path=self.path[: -self.steplen])

    @cached_property
    def cached_form_fields(self):
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
        self.current_definition_id, self.current_definition_digest = (
            definition.pk,
            digest,
        )
        return definition

    def get_form_class(self):
        builder = self.form_builder(self.get_form_fields())
        builder.term = self.term_candidature()
        return builder.get_form_class()

    def term_candidature(self):
        """The site's word for a candidature (« candidature », « projet »…)."""
        return self.call.site_identity.term_candidature

    def serve(self, request, *args, **kwargs):
        from .views import serve_candidature_form

        return serve_candidature_form(self, request, *args, **kwargs)

    def process_form_submission(self, form):
        from .services import submit_candidature

        candidature, _created = submit_candidature(
            self,
            form.cleaned_data,
            answer_fields=form.answer_fields,
            token=form.cleaned_data.get("jeton"),
            client_key=getattr(form, "client_key", ""),
            request=getattr(form, "request", None),
        )
        return candidature


class FormDefinition(models.Model):
    """A version of a form's fields, as candidatures were answered against it."""

    page = models.ForeignKey(
        CandidatureFormPage, on_delete=models.CASCADE, related_name="definitions"
    )
    digest = models.CharField(max_length=64)
    fields = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("version du formulaire")
        verbose_name_plural = _("versions du formulaire")
        constraints = [
            models.UniqueConstraint(
                fields=["page", "digest"], name="unique_form_definition"
            )
        ]

    def __str__(self):
        return f"{self.page_id}:{self.digest[:8]}"

    @staticmethod
    def digest_of(fields):
        payload = json.dumps(fields, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()

    @classmethod
    def for_fields(cls, page, fields):
        """The stored definition for these fields, created the first time."""
        digest = cls.digest_of(fields)
        definition, _created = cls.objects.get_or_create(
            page=page, digest=digest, defaults={"fields": fields}
        )
        return definition


class ReferenceSequence(models.Model):
    """The last number given for a reference prefix and year: never goes back."""

    key = models.CharField(max_length=40, unique=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("séquence de références")
        verbose_name_plural = _("séquences de références")

    def __str__(self):
        return f"{self.key}: {self.last_number}"


# What the admin's search box and the exports of its results look through.
CANDIDATURE_SEARCH_FIELDS = [
    "reference",
    "applicant_name",
    "applicant_email",
    "administration",
    "service",
    "form_data",
]


class CandidatureQuerySet(models.QuerySet):
    def for_call(self, call):
        return self.filter(call=call)

    def matching(self, query):
        """Candidatures whose identity or answers contain ``query`` (as the admin search does)."""
        condition = models.Q()
        for name in CANDIDATURE_SEARCH_FIELDS:
            condition |= models.Q(**{f"{name}__icontains": query})
        return self.filter(condition)


class Candidature(AbstractFormSubmission):
    """One submission to a call's candidature form.

    Never deleted (see ``deletion_rules``): withdrawn or cancelled with a
    reason, and emptied of personal data when the time comes.
    """

    # Wagtail's submission goes with its page; a candidature outlives its form.
    page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("formulaire"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # No index of its own: the (call, status) and (call, submit_time) indexes lead with it.
    call = models.ForeignKey(
        "cms_pages.CallPage",
        verbose_name=_("appel"),
        on_delete=models.PROTECT,
        related_name="candidatures",
        db_index=False,
    )
    reference = models.CharField(_("référence"), max_length=40, unique=True)
    definition = models.ForeignKey(
        FormDefinition,
        on_delete=models.PROTECT,
        related_name="candidatures",
        verbose_name=_("version du formulaire"),
        db_index=False,  # read through the candidature, never searched by
    )
    applicant_name = SingleLineCharField(_("nom"), max_length=200)
    applicant_email = models.EmailField(_("adresse électronique"), max_length=254)
    administration = SingleLineCharField(_("administration"), max_length=200)
    service = SingleLineCharField(_("service"), max_length=200, blank=True)
    status = models.CharField(
        _("statut"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)
    submission_token = models.UUIDField(
        null=True, blank=True, unique=True, editable=False
    )
    client_key = models.CharField(
        max_length=64, blank=True, editable=False, db_index=True
    )
    confirmation_sent_at = models.DateTimeField(
        _("accusé de réception envoyé le"), null=True, blank=True
    )
    notification_sent_at = models.DateTimeField(
        _("équipe notifiée le"), null=True, blank=True
    )
    email_error = models.TextField(_("dernière erreur d'envoi"), blank=True)
    anonymised_at = models.DateTimeField(
        _("anonymisée le"), null=True, blank=True, editable=False
    )

    objects = CandidatureQuerySet.as_manager()

    class Meta:
        verbose_name = _("candidature")
        verbose_name_plural = _("candidatures")
        ordering = ["-submit_time", "-pk"]
        indexes = [
            models.Index(fields=["call", "status"]),
            models.Index(fields=["call", "-submit_time"]),
            models.Index(fields=["applicant_email"]),
        ]

    def __str__(self):
        return f"{self.reference} — {self.applicant_name}"

    def get_data(self):
        return {
            **self.form_data,
            "submit_time": self.submit_time,
            "reference": self.reference,
            "identity_name": self.applicant_name,
            "identity_email": self.applicant_email,
            "identity_administration": self.administration,
            "identity_service": self.service,
        }

    def answers(self):
        """(label, value, field type) in the order of the form it was answered against.

        Answers to fields that no longer exist in the form stay readable: the
        labels come from the definition kept with the candidature.
        """
        attachments = {}
        for attachment in self.attachments.all():
            attachments.setdefault(attachment.field_name, []).append(attachment)
        rows = []
        for field in self.definition.fields:
            value = self.form_data.get(field["name"])
            if field["type"] == FieldType.FILE:
                value = attachments.get(field["name"], [])
                display = ", ".join(a.original_name for a in value)
            else:
                display = answer_text(value)
            rows.append(
                {
                    "name": field["name"],
                    "label": field["label"],
                    "type": field["type"],
                    "value": value,
                    "display": display,
                }
            )
        return rows


class CandidatureAttachment(models.Model):
    """A file joined to a candidature, kept in private storage."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    candidature = models.ForeignKey(
        Candidature, on_delete=models.CASCADE, related_name="attachments"
    )
    field_name = models.CharField(max_length=255)
    file = models.FileField(
        storage=private_storage, upload_to="candidatures/%Y/%m/", max_length=300
    )
    original_name = models.CharField(_("nom du fichier"), max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField(_("taille"))
    sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        ordering = ["field_name", "original_name"]

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("forms:attachment", args=[self.pk])


class CandidatureStatusChange(models.Model):
    """Who moved a candidature from which status to which, when and why."""

    candidature = models.ForeignKey(
        Candidature, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(
        _("ancien statut"), max_length=20, choices=Status.choices
    )
    to_status = models.CharField(
        _("nouveau statut"), max_length=20, choices=Status.choices
    )
    reason = models.TextField(_("motif"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("date"), auto_now_add=True)

    class Meta:
        verbose_name = _("changement de statut")
        verbose_name_plural = _("changements de statut")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.candidature_id}: {self.from_status} → {self.to_status}"


def answer_text(value):
    """An answer as a person reads it: « Oui »/« Non », lists joined, nothing as empty.

    The one formatting of answers, shared by the admin, the emails, the PDFs
    and the spreadsheets.
    """
    if value is None:
        return ""
    if value is True:
        return str(_("Oui"))
    if value is False:
        return str(_("Non"))
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def answers_json(data):
    """Answers as stored: JSON-safe (dates as ISO strings, decimals as strings)."""
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


# Review rounds and evaluations ---------------------------------------------


class RoundKind(models.TextChoices):
    PRESELECTION = "preselection", _("Pré-sélection (jury)")
    SELECTION = "selection", _("Sélection (comité)")


class OthersScores(models.TextChoices):
    """When a member of a round may see what the other members gave."""

    AFTER_OWN = (
        "after_own",
        _(
            "Sur un dossier, une fois sa propre évaluation rendue ; le classement, une "
            "fois tous ses dossiers évalués"
        ),
    )
    AFTER_MEETING = "after_meeting", _("À partir de la date de la réunion")
    NEVER = "never", _("Jamais : seule l'équipe programme les voit")


class ReviewRound(ClusterableModel):
    """A stage of a call: the jury's pre-selection or the committee's selection."""

    call = models.ForeignKey(
        "cms_pages.CallPage",
        verbose_name=_("appel"),
        on_delete=models.CASCADE,
        related_name="review_rounds",
    )
    kind = models.CharField(_("étape"), max_length=20, choices=RoundKind.choices)
    starts_on = models.DateField(_("début des évaluations"), null=True, blank=True)
    ends_on = models.DateField(_("date de la réunion"), null=True, blank=True)
    candidatures = models.ManyToManyField(
        Candidature,
        verbose_name=_("candidatures examinées"),
        related_name="review_rounds",
        blank=True,
    )
    others_scores = models.CharField(
        _("notes des autres membres"),
        max_length=20,
        choices=OthersScores.choices,
        default=OthersScores.AFTER_OWN,
        help_text=_(
            "Quand un membre peut voir les notes et commentaires des autres, et le "
            "classement dans son cahier personnel. Une évaluation rendue ne se "
            "modifie plus : seule l'équipe programme peut la rouvrir, avec un motif."
        ),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    panels = [
        FieldPanel("call"),
        FieldPanel("kind"),
        FieldRowPanel([FieldPanel("starts_on"), FieldPanel("ends_on")]),
        FieldPanel("others_scores"),
        InlinePanel("memberships", heading=_("Membres"), label=_("Membre")),
    ]

    class Meta:
        verbose_name = _("tour d'examen")
        verbose_name_plural = _("tours d'examen")
        ordering = ["-created_at"]
        permissions = [("sit_on_round", _("Peut siéger dans un tour d'examen"))]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "kind"], name="one_round_per_kind_per_call"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.call.title}"

    @property
    def source_status(self):
        """The status a candidature must have to enter this round."""
        return (
            Status.ELIGIBLE
            if self.kind == RoundKind.PRESELECTION
            else Status.PRESELECTED
        )

    def get_source_status_display(self):
        return Status(self.source_status).label

    def member_ids(self):
        return [membership.user_id for membership in self.memberships.all()]


class RoundMember(Orderable):
    round = ParentalKey(
        ReviewRound, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("membre"),
        on_delete=models.CASCADE,
        related_name="round_memberships",
    )
    administration = SingleLineCharField(
        _("administration du membre"),
        max_length=200,
        blank=True,
        help_text=_("Sert à signaler les conflits d'intérêts probables."),
    )

    panels = [FieldRowPanel([FieldPanel("user"), FieldPanel("administration")])]

    class Meta(Orderable.Meta):
        verbose_name = _("membre")
        verbose_name_plural = _("membres")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "user"], name="one_membership_per_round"
            )
        ]

    def __str__(self):
        return str(self.user)


class Evaluation(models.Model):
    """One member's scores for one candidature in one round.

    A draft until the member submits it (``submitted_at``); then locked: only
    the programme team reopens it, with a reason (``EvaluationReopening``).
    Never deleted: it is what the ranking was made of.
    """

    round = models.ForeignKey(
        ReviewRound, on_delete=models.PROTECT, related_name="evaluations"
    )
    candidature = models.ForeignKey(
        Candidature, on_delete=models.PROTECT, related_name="evaluations"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("membre"),
        on_delete=models.PROTECT,
        related_name="evaluations",
    )
    scores = models.JSONField(_("notes"), default=dict, blank=True)
    comment = models.TextField(_("commentaire"), blank=True)
    conflict_of_interest = models.BooleanField(_("conflit d'intérêts"), default=False)
    conflict_note = SingleLineCharField(
        _("précision sur le conflit"), max_length=300, blank=True
    )
    submitted_at = models.DateTimeField(
        _("évaluation rendue le"), null=True, blank=True
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saisie par"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Vide : par le membre lui-même ; sinon, importée par l'équipe."),
    )
    reopened_count = models.PositiveSmallIntegerField(_("réouvertures"), default=0)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        verbose_name = _("évaluation")
        verbose_name_plural = _("évaluations")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "candidature", "member"],
                name="one_evaluation_per_member",
            )
        ]
        indexes = [models.Index(fields=["round", "member"])]

    def __str__(self):
        return f"{self.candidature_id} / {self.member_id} ({self.round_id})"

    @property
    def is_locked(self):
        return self.submitted_at is not None


class EvaluationReopening(models.Model):
    """The programme team reopened a submitted evaluation: who, when, why, and what it said."""

    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.PROTECT, related_name="reopenings"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rouverte par"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(_("motif"))
    previous_scores = models.JSONField(_("notes avant réouverture"), default=dict)
    previous_conflict_of_interest = models.BooleanField(default=False)
    previous_submitted_at = models.DateTimeField(_("rendue le"))
    created_at = models.DateTimeField(_("rouverte le"), auto_now_add=True)

    class Meta:
        verbose_name = _("réouverture d'une évaluation")
        verbose_name_plural = _("réouvertures d'évaluations")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.evaluation} — {self.created_at:%Y-%m-%d}"


# Notifications to applicants ------------------------------------------------


NOTIFIED_STATUSES = [
    Status.ELIGIBLE,
    Status.INELIGIBLE,
    Status.PRESELECTED,
    Status.NOT_PRESELECTED,
    Status.SELECTED,
    Status.NOT_SELECTED,
]
PLACEHOLDERS = {
    "{nom}": "applicant_name",
    "{reference}": "reference",
    "{appel}": "call_title",
    "{statut}": "status_label",
    "{motif}": "reason",
}


class NotificationTemplate(models.Model):
    """The email sent to applicants whose candidature reached a status."""

    call = models.ForeignKey(
        "cms_pages.CallPage",
        verbose_name=_("appel"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notification_templates",
        help_text=_(
            "Vide : le modèle vaut pour tous les appels du site qui n'ont pas le leur."
        ),
    )
    site = models.ForeignKey(
        "wagtailcore.Site",
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_(
            "Le site de l'appel ; pour un modèle valable pour tous ses appels."
        ),
    )
    status = models.CharField(
        _("statut annoncé"),
        max_length=20,
        choices=[(s.value, s.label) for s in NOTIFIED_STATUSES],
    )
    subject = SingleLineCharField(_("objet"), max_length=200)
    body = models.TextField(
        _("texte"),
        help_text=_(
            "Remplacés à l'envoi : {nom}, {reference}, {appel}, {statut}, {motif}."
        ),
    )
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    panels = [
        FieldPanel("call"),
        FieldPanel("site"),
        FieldPanel("status"),
        FieldPanel("subject"),
        FieldPanel("body"),
    ]

    class Meta:
        verbose_name = _("modèle de courriel")
        verbose_name_plural = _("modèles de courriel")
        constraints = [
            models.UniqueConstraint(
                fields=["call", "status"], name="one_template_per_status"
            ),
            # NULLs differ in SQL: without this, two « all calls » templates could coexist.
            models.UniqueConstraint(
                fields=["site", "status"],
                condition=models.Q(call__isnull=True),
                name="one_default_template_per_status",
                violation_error_message=_(
                    "Un modèle pour tous les appels du site existe déjà pour ce statut."
                ),
            ),
        ]

    def __str__(self):
        scope = self.call.title if self.call_id else _("tous les appels")
        return f"{Status(self.status).label} — {scope}"

    def save(self, *args, **kwargs):
        if self.call_id and not self.site_id:
            self.site = self.call.get_site()
        if not self.site_id:  # an instance of one site: that one
            self.site = only_site()
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        if self.call_id:
            self.site = self.call.get_site()
        elif not self.site_id and Site.objects.count() == 1:
            self.site = Site.objects.get()
        elif not self.site_id:
            raise ValidationError(
                {
                    "site": _(
                        "Choisissez l'appel, ou le site dont il vaut pour tous les appels."
                    )
                }
            )

    @classmethod
    def for_candidature(cls, candidature, status=None):
        status = status or candidature.status
        return (
            cls.objects.filter(status=status, call=candidature.call).first()
            or cls.objects.filter(
                status=status, call__isnull=True, site=candidature.call.get_site()
            ).first()
        )

    def render(self, candidature, reason=""):
        values = {
            "applicant_name": candidature.applicant_name,
            "reference": candidature.reference,
            "call_title": candidature.call.title,
            "status_label": str(Status(candidature.status).label),
            "reason": reason,
        }
        subject, body = self.subject, self.body
        for placeholder, key in PLACEHOLDERS.items():
            subject = subject.replace(placeholder, values[key])
            body = body.replace(placeholder, values[key])
        return email_subject(subject, Notification.SUBJECT_LENGTH), body


class Notification(models.Model):
    """One email to one applicant: prepared, then sent when the team releases it."""

    class State(models.TextChoices):
        PREPARED = "prepared", _("Préparé")
        RELEASED = "released", _("En cours d'envoi")
        SENT = "sent", _("Envoyé")
        FAILED = "failed", _("Échec")

    candidature = models.ForeignKey(
        Candidature, on_delete=models.CASCADE, related_name="notifications"
    )
    template = models.ForeignKey(
        NotificationTemplate,
        verbose_name=_("modèle"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,  # never reached: a used template is kept
        related_name="notifications",
    )
    status = models.CharField(
        _("statut annoncé"), max_length=20, choices=Status.choices
    )
    SUBJECT_LENGTH = 250
    subject = models.CharField(_("objet"), max_length=SUBJECT_LENGTH)
    body = models.TextField(_("texte"))
    state = models.CharField(
        _("état"), max_length=10, choices=State.choices, default=State.PREPARED
    )
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("préparé par"),
    )
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("envoyé par"),
    )
    created_at = models.DateTimeField(_("préparé le"), auto_now_add=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidature", "status"], name="one_notification_per_decision"
            )
        ]

    def __str__(self):
        return f"{self.candidature.reference} — {self.get_status_display()}"
