"""What an applicant keeps between visits, without an account: drafts and their
files (the links that open them again are the applicants app's)."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.files import PrivateFile, private_storage
from core.text import SurrogateSafeDecoder


class Draft(models.Model):
    """A candidature being written: never a candidature, never given a reference.

    It is known by the form's one-time token: every save of the same form (a
    second tab opened from the same link, a double click, a retry) finds it
    again, and the candidature it becomes carries that token, so that sending
    it twice makes one candidature.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    page = models.ForeignKey(
        "forms.CandidatureFormPage",
        verbose_name=_("formulaire"),
        on_delete=models.CASCADE,
        related_name="drafts",
    )
    call = models.ForeignKey(
        "cms_pages.CallPage",
        verbose_name=_("appel"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    token = models.UUIDField(unique=True, editable=False)
    email = models.EmailField(_("adresse électronique"), max_length=254)
    # The answers as typed (text, or lists of text): a draft may be incomplete.
    answers = models.JSONField(default=dict, blank=True, decoder=SurrogateSafeDecoder)
    created_at = models.DateTimeField(_("commencé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("enregistré le"), auto_now=True)
    link_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    client_key = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("brouillon")
        verbose_name_plural = _("brouillons")
        indexes = [models.Index(fields=["email"]), models.Index(fields=["updated_at"])]

    def __str__(self):
        return f"{self.page_id}:{self.pk}"


class DraftAttachment(PrivateFile):
    """A file joined to a draft: kept privately, like a candidature's."""

    draft = models.ForeignKey(
        Draft, on_delete=models.CASCADE, related_name="attachments"
    )
    field_name = models.CharField(max_length=255)
    file = models.FileField(
        storage=private_storage, upload_to="brouillons/%Y/%m/", max_length=300
    )

    class Meta:
        verbose_name = _("pièce jointe d'un brouillon")
        verbose_name_plural = _("pièces jointes des brouillons")
        ordering = ["field_name", "original_name"]
