"""The selection: review rounds, their members, evaluations, and decision emails."""

from django import forms as django_forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import DEFERRED
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel
from wagtail.models import Orderable, Site

from cms_pages.models import only_site
from core.stamps import stamped
from core.text import SingleLineCharField, SurrogateSafeDecoder, email_subject
from forms.choices import Status
from forms.models import Candidature

from .jury_models import JuryInvitation, JuryReminder, ReminderKind  # noqa: F401
from .ranking_models import RankedDossier, RoundScores  # noqa: F401

# The jury's records (invitations, reminders), in their own file, read from here.
from .weights import criteria_of, scorer


class RoundKind(models.TextChoices):
    PRESELECTION = "preselection", _("Pré-sélection (jury)")
    SELECTION = "selection", _("Sélection (comité)")


class OthersScores(models.TextChoices):
    """When a member of a round may see what the other members gave."""

    AFTER_OWN = "after_own", _("Après avoir rendu les siennes")
    AFTER_MEETING = "after_meeting", _("À partir de la date de la réunion")
    NEVER = "never", _("Jamais (équipe programme seulement)")


class AssignmentMode(models.TextChoices):
    """Which dossiers of a round each member reads."""

    ALL = "all", _("Tous les membres lisent tous les dossiers")
    PER_DOSSIER = "per_dossier", _("Attribution par dossier")


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
    evaluation_deadline = models.DateField(
        _("date limite des évaluations"),
        null=True,
        blank=True,
        help_text=_(
            "Les membres qui ont encore des dossiers à noter reçoivent un rappel "
            "par courriel avant cette date, puis le jour même."
        ),
    )
    reminder_days = models.PositiveSmallIntegerField(
        _("rappel, nombre de jours avant la date limite"),
        default=3,
        validators=[MaxValueValidator(60)],
        help_text=_("0 : un seul rappel, le jour même."),
    )
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
            "Quand un membre voit les notes et commentaires des autres. « Après "
            "avoir rendu les siennes » : sur un dossier, une fois le sien rendu. "
            "Le classement du tour ne leur est montré qu'une fois le tour clos, "
            "si le tour le prévoit. Une évaluation rendue ne se modifie plus : "
            "seule l'équipe programme peut la rouvrir, avec un motif."
        ),
    )
    assignment = models.CharField(
        _("qui lit quels dossiers"),
        max_length=20,
        choices=AssignmentMode.choices,
        default=AssignmentMode.ALL,
        help_text=_(
            "« Attribution par dossier » : chaque membre ne lit que les dossiers "
            "qui lui sont attribués (page « Attribution des dossiers » du tour). "
            "Revenir à « tous les membres » garde les attributions faites."
        ),
    )
    reviewers_per_dossier = models.PositiveSmallIntegerField(
        _("membres par dossier"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_(
            "En attribution par dossier : combien de membres lisent chaque dossier."
        ),
    )
    blind = models.BooleanField(
        _("tour à l'aveugle"),
        default=False,
        help_text=_(
            "Les membres ne voient ni le nom, ni l'adresse, ni l'administration "
            "de la personne qui candidate ; l'équipe programme les voit toujours."
        ),
    )
    members_see_ranking = models.BooleanField(
        _("les membres voient le classement une fois le tour clos"),
        default=False,
        help_text=_(
            "Une fois le tour clos par l'équipe programme, chaque membre voit le "
            "classement du tour : dossier, note moyenne, écart-type et nombre "
            "d'évaluations, sans le nom ni les notes des autres membres. "
            "Jamais avant la clôture."
        ),
    )
    closed_at = models.DateTimeField(_("clos le"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("clos par"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    standing = models.BooleanField(
        _("tour permanent (au fil de l'eau)"),
        default=False,
        help_text=_(
            "Chaque candidature de l'appel qui prend le statut d'entrée du tour "
            "(« Recevable » pour une pré-sélection) y entre d'elle-même, dès "
            "la décision. Le bouton « Ajouter les candidatures attendues » "
            "reste disponible."
        ),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    # Its own fields and its members: every write to them moves it
    # (``selection.sync``), for the staff API's incremental sync.
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    panels = [
        # A plain list of the site's calls (title, opening, status), not the page tree.
        FieldPanel("call", widget=django_forms.Select),
        FieldPanel("kind"),
        FieldRowPanel([FieldPanel("starts_on"), FieldPanel("ends_on")]),
        FieldRowPanel([FieldPanel("evaluation_deadline"), FieldPanel("reminder_days")]),
        FieldPanel("standing"),
        FieldPanel("others_scores"),
        FieldRowPanel([FieldPanel("assignment"), FieldPanel("reviewers_per_dossier")]),
        FieldPanel("blind"),
        FieldPanel("members_see_ranking"),
        InlinePanel(
            "memberships",
            heading=_("Membres"),
            label=_("Membre"),
            help_text=_(
                "Les personnes du jury et de l'équipe programme du site. Pour "
                "inviter quelqu'un par courriel, avec ou sans compte : « Membres "
                "et avancement », depuis le classement du tour."
            ),
        ),
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
        # The staff API's sync order and cursor (updated_at, then id).
        indexes = [models.Index(fields=["updated_at", "id"], name="round_sync")]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.call.title}"

    def save(self, *args, **kwargs):
        super().save(*args, **stamped(kwargs))

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
        """The members who sit on the round now (not those removed from it)."""
        return [
            membership.user_id
            for membership in self.memberships.all()
            if membership.removed_at is None
        ]

    @property
    def per_dossier(self):
        return self.assignment == AssignmentMode.PER_DOSSIER

    @property
    def is_closed(self):
        return self.closed_at is not None

    def preselection_round(self):
        """For a committee round, the jury's pre-selection round of the same call."""
        if self.kind != RoundKind.SELECTION:
            return None
        return (
            ReviewRound.objects.filter(
                call_id=self.call_id, kind=RoundKind.PRESELECTION
            )
            .select_related("call")
            .first()
        )


class RoundMember(Orderable):
    """A person sitting on a round.

    Removed from the round once they have evaluated there, a member is not
    deleted but marked (``removed_at``): they no longer see the round, and
    what they submitted still counts, shown as a removed member's.
    """

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

    removed_at = models.DateTimeField(_("retiré du tour le"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("retiré par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
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


class EvaluationQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        fill_weighted_scores(objs)
        return super().bulk_create(objs, *args, **kwargs)


def fill_weighted_scores(evaluations):
    """Set each evaluation's ``weighted`` from its scores and its call's criteria."""
    scorers = {}
    for evaluation in evaluations:
        round_id = evaluation.round_id
        if round_id not in scorers:
            round_ = (
                evaluation.round
                if Evaluation.round.is_cached(evaluation)
                else ReviewRound.objects.select_related("call").get(pk=round_id)
            )
            scorers[round_id] = scorer(criteria_of(round_.call))
        evaluation.weighted = scorers[round_id](evaluation.scores or {})


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
    criterion_comments = models.JSONField(
        _("commentaires par critère"),
        default=dict,
        blank=True,
        help_text=_("Un commentaire par critère, rangé sous l'identifiant du critère."),
        decoder=SurrogateSafeDecoder,  # old data may hold a lone surrogate (core.text)
    )
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
    # Kept beside the scores it is computed from, for the database to rank a
    # round: the call's criteria are frozen from the first submitted evaluation
    # (``selection.rules.evaluations_freeze_criteria``), so it never goes stale.
    weighted = models.FloatField(
        _("note pondérée (sur 100)"), null=True, blank=True, editable=False
    )
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = _("évaluation")
        verbose_name_plural = _("évaluations")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "candidature", "member"],
                name="one_evaluation_per_member",
            )
        ]
        indexes = [
            models.Index(fields=["round", "member"]),
            # A member's conflicts, left out of every list of their dossiers.
            models.Index(
                fields=["round", "member", "candidature"],
                condition=models.Q(conflict_of_interest=True),
                name="evaluation_conflicts",
            ),
            # A member's scored dossiers, counted against their dossiers (« Mes
            # évaluations », ``progress_for``) from the index alone: without it
            # the round's every evaluation is read, all members' and drafts.
            models.Index(
                fields=["round", "member", "candidature"],
                condition=models.Q(
                    submitted_at__isnull=False, conflict_of_interest=False
                ),
                name="evaluation_scored",
            ),
            # The staff API's sync order and cursor (updated_at, then id).
            models.Index(fields=["updated_at", "id"], name="evaluation_sync"),
        ]

    def __str__(self):
        return f"{self.candidature_id} / {self.member_id} ({self.round_id})"

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "scores" in update_fields:
            fill_weighted_scores([self])
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "weighted"}
        super().save(*args, **stamped(kwargs))

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # What it was when read: its submission is announced once, on the save
        # that sets it (``selection.evaluations.announce_submission``).
        instance.submitted_when_read = instance.__dict__.get("submitted_at", DEFERRED)
        return instance

    @property
    def is_locked(self):
        return self.submitted_at is not None

    def comments_by_criterion(self, criteria):
        """[(criterion, comment)] for the criteria commented on, in the call's order."""
        return [
            (c, self.criterion_comments[str(c.pk)])
            for c in criteria
            if self.criterion_comments.get(str(c.pk))
        ]


class Assignment(models.Model):
    """A member of a round is to read one of its dossiers (« attribution par dossier »).

    Kept with the round: switching the round back to « tous les membres » leaves
    them in place. One on which the member started an evaluation stays (see
    ``rules``).
    """

    class Origin(models.TextChoices):
        MANUAL = "manual", _("À la main")
        AUTOMATIC = "automatic", _("Automatique")

    round = models.ForeignKey(
        ReviewRound, on_delete=models.CASCADE, related_name="assignments"
    )
    candidature = models.ForeignKey(
        Candidature,
        verbose_name=_("dossier"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("membre"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    origin = models.CharField(
        _("attribué"), max_length=10, choices=Origin.choices, default=Origin.MANUAL
    )
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("attribué par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("attribué le"), auto_now_add=True)

    class Meta:
        verbose_name = _("attribution d'un dossier")
        verbose_name_plural = _("attributions des dossiers")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "candidature", "member"],
                name="one_assignment_per_member_and_dossier",
            )
        ]
        indexes = [
            models.Index(fields=["round", "member"], name="assignment_round_member")
        ]

    def __str__(self):
        return f"{self.candidature_id} → {self.member_id} ({self.round_id})"


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
    previous_comment = models.TextField(
        _("commentaire avant réouverture"), blank=True, default=""
    )
    previous_criterion_comments = models.JSONField(
        _("commentaires par critère avant réouverture"),
        default=dict,
        blank=True,
        decoder=SurrogateSafeDecoder,
    )
    previous_conflict_of_interest = models.BooleanField(default=False)
    previous_submitted_at = models.DateTimeField(_("rendue le"))
    created_at = models.DateTimeField(_("rouverte le"), auto_now_add=True)

    class Meta:
        verbose_name = _("réouverture d'une évaluation")
        verbose_name_plural = _("réouvertures d'évaluations")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.evaluation} — {self.created_at:%Y-%m-%d}"


class DiscussionComment(models.Model):
    """A message in the discussion of one dossier in one round: kept with the round.

    Written by a member who submitted their own evaluation of the dossier, or
    by the programme team. Never edited nor deleted once posted: a member
    corrects themself with a new message, and what was said stays.
    """

    round = models.ForeignKey(
        ReviewRound,
        verbose_name=_("tour"),
        on_delete=models.PROTECT,
        related_name="discussion",
    )
    candidature = models.ForeignKey(
        Candidature,
        verbose_name=_("candidature"),
        on_delete=models.PROTECT,
        related_name="discussion",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    by_programme_team = models.BooleanField(
        _("écrit par l'équipe programme"), default=False
    )
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("écrit le"), auto_now_add=True)

    class Meta:
        verbose_name = _("message de discussion")
        verbose_name_plural = _("messages de discussion")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["round", "candidature"])]

    def __str__(self):
        return f"{self.candidature_id} / {self.author_id} ({self.round_id})"


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
    attach_letter = models.BooleanField(
        _("joindre une lettre de décision (PDF)"),
        default=False,
        help_text=_(
            "Une lettre au nom du site, avec la décision et ce texte (le motif y "
            "figure si le texte contient {motif}), jointe au courriel."
        ),
    )
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    panels = [
        FieldPanel("call"),
        FieldPanel("site"),
        FieldPanel("status"),
        FieldPanel("subject"),
        FieldPanel("body"),
        FieldPanel("attach_letter"),
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
            # The status announced, not the current one: a laureate may be
            # told, after the committee, that the jury pre-selected them.
            "status_label": str(Status(self.status).label),
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
