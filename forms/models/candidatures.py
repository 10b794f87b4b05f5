"""Candidatures: what an applicant sent, against which version of the form, with
which files, and what became of it."""

import functools
import hashlib
import json
import operator

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.forms.models import AbstractFormSubmission

from core.files import PrivateFile, private_storage
from core.stamps import stamped
from core.text import SingleLineCharField, SurrogateSafeDecoder, comparable

from ..choices import FieldType, Status
from ..compound import address_lines, group_lines


class FormDefinition(models.Model):
    """A version of a form's fields, as candidatures were answered against it."""

    page = models.ForeignKey(
        "forms.CandidatureFormPage",
        on_delete=models.CASCADE,
        related_name="definitions",
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


# Likely duplicates ---------------------------------------------------------
#
# Two candidatures to the same call are likely the same when they come from the
# same address, or from the same person of the same administration, however
# written. Each side is kept as a digest of its comparable form, filled on save,
# indexed with the call: the list finds them in the database whatever its size.
# An anonymised candidature has neither: it is nobody's duplicate.

IDENTITY_FIELDS = {
    "applicant_name",
    "applicant_email",
    "administration",
    "anonymised_at",
}
DUPLICATE_KEYS = ("email_key", "identity_key")
DUPLICATE_FLAGS = ("shares_email", "shares_identity")


def _digest(text):
    return hashlib.sha256(text.encode()).hexdigest() if text else ""


def email_key(email):
    """The address without case nor surrounding spaces, as a digest; empty for none."""
    return _digest((email or "").strip().lower())


def identity_key(name, administration):
    """The name and the administration, compared loosely, as a digest; empty if one lacks."""
    name, administration = comparable(name), comparable(administration)
    return _digest(f"{name}\x1f{administration}" if name and administration else "")


def _shares(key):
    """True for a candidature that another one of its call shares ``key`` with."""
    return models.Exists(
        Candidature.objects.filter(
            call=models.OuterRef("call"), **{key: models.OuterRef(key)}
        )
        .exclude(pk=models.OuterRef("pk"))
        .exclude(**{key: ""})
    )


def _sharing(key):
    """The ids of the candidatures that share ``key`` with another one of their call."""
    return (
        Candidature.objects.exclude(**{key: ""})
        .annotate(
            sharing=models.Window(
                models.Count("pk"), partition_by=[F("call_id"), F(key)]
            )
        )
        .filter(sharing__gt=1)
        .values("pk")
    )


class CandidatureQuerySet(models.QuerySet):
    def for_call(self, call):
        return self.filter(call=call)

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for candidature in objs:
            candidature.fill_duplicate_keys()
        return super().bulk_create(objs, *args, **kwargs)

    def with_duplicate_flags(self):
        """Each candidature with ``shares_email`` and ``shares_identity``, in one query."""
        return self.annotate(
            **{
                flag: _shares(key)
                for flag, key in zip(DUPLICATE_FLAGS, DUPLICATE_KEYS, strict=True)
            }
        )

    def possible_duplicates(self, row_by_row=False):
        """The candidatures that share their address, or their name and
        administration, with another one of their call (any status).

        Found in one pass over each key's index (how many of the call share
        it): counting or exporting them stays cheap at any size. ``row_by_row``:
        looked up for each candidature read instead (``with_duplicate_flags``),
        for a page that stops at its first rows.
        """
        if row_by_row:
            found = (models.Q(_shares(k)) for k in DUPLICATE_KEYS)
        else:
            found = (models.Q(pk__in=_sharing(k)) for k in DUPLICATE_KEYS)
        return self.filter(functools.reduce(operator.or_, found))

    def duplicates_of(self, candidature):
        """The others of its call that look like ``candidature``, with why
        (``shares_email``, ``shares_identity``)."""
        same = {
            flag: models.Q(**{key: getattr(candidature, key)})
            for flag, key in zip(DUPLICATE_FLAGS, DUPLICATE_KEYS, strict=True)
            if getattr(candidature, key)
        }
        if not same:
            return self.none()
        return (
            self.filter(call_id=candidature.call_id)
            .filter(functools.reduce(operator.or_, same.values()))
            .exclude(pk=candidature.pk)
            .annotate(
                **{
                    flag: models.ExpressionWrapper(
                        same[flag], output_field=models.BooleanField()
                    )
                    if flag in same
                    else models.Value(False)
                    for flag in DUPLICATE_FLAGS
                }
            )
            .order_by("submit_time", "pk")
        )


# The columns of the ``candidature_call_status`` index (``Candidature.Meta``).
CALL_STATUS_COLUMNS = "call status page definition anonymised_at submit_time id".split()  # noqa: SIM905


class Candidature(AbstractFormSubmission):
    """One submission to a call's candidature form.

    Never deleted (see ``deletion_rules``): withdrawn or cancelled with a
    reason, and emptied of personal data when the time comes.
    """

    # Wagtail's submission goes with its page; a candidature outlives its form.
    # No index of its own: the (page, content_digest) index leads with it.
    page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("formulaire"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    # Wagtail's, read with U+FFFD for a lone surrogate old data may hold (core.text).
    form_data = models.JSONField(
        encoder=DjangoJSONEncoder, decoder=SurrogateSafeDecoder
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
    revised_at = models.DateTimeField(
        _("modifiée par son auteur le"), null=True, blank=True, editable=False
    )
    submission_token = models.UUIDField(
        null=True, blank=True, unique=True, editable=False
    )
    client_key = models.CharField(
        max_length=64, blank=True, editable=False, db_index=True
    )
    # What was sent (identity and answers), hashed: the same candidature sent
    # again (the browser's Back, then « Envoyer ») is found, not stored twice.
    # Searched with its form (``sent_again``): indexed with the page, below.
    content_digest = models.CharField(max_length=64, blank=True, editable=False)
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
    # See « Likely duplicates » above: digests, never shown.
    email_key = models.CharField(max_length=64, blank=True, editable=False)
    identity_key = models.CharField(max_length=64, blank=True, editable=False)

    objects = CandidatureQuerySet.as_manager()

    class Meta:
        verbose_name = _("candidature")
        verbose_name_plural = _("candidatures")
        ordering = ["-submit_time", "-pk"]
        indexes = [
            # From the index alone: a call's counts by status, what an export
            # reads before its rows (``CandidatureResource.groups``), the decision
            # emails to prepare (``counts_by_status``), the home page's waits
            # (``first_answer_overview``); the rows would be read otherwise.
            models.Index(fields=CALL_STATUS_COLUMNS, name="candidature_call_status"),
            models.Index(fields=["call", "-submit_time"]),
            # The list's default order over all the calls a user reads: a page
            # is read from the index, not sorted out of every candidature.
            models.Index(
                fields=["-submit_time", "-id"], name="candidature_newest_first"
            ),
            models.Index(fields=["applicant_email"]),
            # Possible duplicates: each key's window (``_sharing``) reads the
            # call's keys and ids from the index alone, not from the rows.
            models.Index(
                fields=["call", "email_key", "id"], name="candidature_email_key"
            ),
            models.Index(
                fields=["call", "identity_key", "id"], name="candidature_identity_key"
            ),
            # The same answers sent again to a form (``sent_again``): one step in
            # the index, whatever the form's number of candidatures (SQLite
            # otherwise read every candidature of the page through its own index).
            models.Index(
                fields=["page", "content_digest"], name="candidature_page_digest"
            ),
            # The staff API's sync order and cursor (updated_at, then id).
            models.Index(fields=["updated_at", "id"], name="candidature_sync"),
        ]

    def __str__(self):
        return f"{self.reference} — {self.applicant_name}"

    def save(self, *args, **kwargs):
        self.fill_duplicate_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and IDENTITY_FIELDS.intersection(update_fields):
            kwargs["update_fields"] = {*update_fields, *DUPLICATE_KEYS}
        super().save(*args, **stamped(kwargs))

    def fill_duplicate_keys(self):
        """The keys that find its likely duplicates; none once anonymised."""
        if self.anonymised_at:
            self.email_key = self.identity_key = ""
        else:
            self.email_key = email_key(self.applicant_email)
            self.identity_key = identity_key(self.applicant_name, self.administration)

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
            if attachment.version_id is not None:
                continue  # a file of a previous version, replaced since
            attachments.setdefault(attachment.field_name, []).append(attachment)
        rows = []
        for field in self.definition.fields:
            value = self.form_data.get(field["name"])
            if field["type"] == FieldType.FILE:
                value = attachments.get(field["name"], [])
                display = ", ".join(a.original_name for a in value)
            else:
                display = answer_text(value, field)
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


class CandidatureAttachment(PrivateFile):
    """A file joined to a candidature, kept in private storage."""

    candidature = models.ForeignKey(
        Candidature, on_delete=models.CASCADE, related_name="attachments"
    )
    field_name = models.CharField(max_length=255)
    file = models.FileField(
        storage=private_storage, upload_to="candidatures/%Y/%m/", max_length=300
    )
    # Set when the applicant replaced the file: it belongs to that previous version.
    version = models.ForeignKey(
        "forms.CandidatureVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attachments",
        editable=False,
    )

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        ordering = ["field_name", "original_name"]

    def get_absolute_url(self):
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


class CandidatureVersion(models.Model):
    """What a candidature said before its applicant edited it: kept, never changed.

    The candidature holds the current version; each edit first copies the
    previous one here, with the files it replaced.
    """

    candidature = models.ForeignKey(
        Candidature, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    definition = models.ForeignKey(
        FormDefinition, on_delete=models.PROTECT, related_name="+"
    )
    form_data = models.JSONField(default=dict, decoder=SurrogateSafeDecoder)
    applicant_name = SingleLineCharField(_("nom"), max_length=200)
    administration = SingleLineCharField(_("administration"), max_length=200)
    service = SingleLineCharField(_("service"), max_length=200, blank=True)
    submitted_at = models.DateTimeField(_("envoyée le"))
    replaced_at = models.DateTimeField(_("remplacée le"), auto_now_add=True)
    changed_fields = models.JSONField(default=list)

    class Meta:
        verbose_name = _("version précédente")
        verbose_name_plural = _("versions précédentes")
        ordering = ["candidature", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidature", "number"], name="unique_candidature_version"
            )
        ]

    def __str__(self):
        return f"{self.candidature_id} v{self.number}"


def answer_text(value, field=None):
    """An answer as a person reads it: « Oui »/« Non », lists joined, nothing as empty.

    The one formatting of answers, shared by the admin, the emails, the PDFs
    and the spreadsheets. An address is written a line each, as on an envelope;
    a group an entry a line, with its sub-fields' labels (from ``field``, the
    definition it was answered against).
    """
    if isinstance(value, dict):
        return "\n".join(address_lines(value))
    if isinstance(value, list) and any(isinstance(item, dict) for item in value):
        group = (field or {}).get("group") or {}
        return "\n".join(
            group_lines(value, group.get("subfields"), group.get("entry_label"))
        )
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


class EligibilityRefusal(models.Model):
    """How many times a question turned someone away, per form and day: no one's data."""

    page = models.ForeignKey(
        "forms.CandidatureFormPage",
        on_delete=models.CASCADE,
        related_name="eligibility_refusals",
    )
    field_name = models.CharField(max_length=255)
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("arrêt à l'éligibilité")
        verbose_name_plural = _("arrêts à l'éligibilité")
        constraints = [
            models.UniqueConstraint(
                fields=["page", "field_name", "day"], name="one_eligibility_count_a_day"
            )
        ]

    def __str__(self):
        return f"{self.field_name} {self.day}: {self.count}"

    @classmethod
    def record(cls, page, field_names):
        """One more refusal for each of these questions today (Paris), whatever the race."""
        day = timezone.localdate()
        for name in field_names:
            rows = cls.objects.filter(page=page, field_name=name, day=day)
            if rows.update(count=F("count") + 1):
                continue
            try:
                with transaction.atomic():
                    cls.objects.create(page=page, field_name=name, day=day, count=1)
            except IntegrityError:  # created meanwhile by another refusal
                rows.update(count=F("count") + 1)
