"""The antivirus's verdict on the communications team's files: Wagtail's documents
and images (docs/antivirus.md).

Wagtail's own models are kept (``WAGTAILDOCS_DOCUMENT_MODEL`` and
``WAGTAILIMAGES_IMAGE_MODEL`` untouched): each document and each image has one
row here, made when it is saved with a new file (a new row for a new file, so
that a scan still running on the old one writes nothing). ``core.antivirus``
scans these rows like the applicants' files: the same task, retries,
``scan_pending`` and quarantine.
"""

from django.db import models
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _
from wagtail.documents import get_document_model, get_document_model_string
from wagtail.images import get_image_model, get_image_model_string
from wagtail.log_actions import log

from core.antivirus import (
    ACTION_QUARANTINED,
    ScannedFile,
    ScanState,
    file_quarantined,
    initial_state,
    schedule,
)


class WagtailFileScan(ScannedFile):
    """A scan of the file of ``source`` (a document or an image), as ``scan`` reads it."""

    # The file's name in storage when it was scanned: another name is another file.
    file_name = models.CharField(max_length=255, editable=False)

    # Not a use of the document or image (Wagtail's « Utilisé(e) 0 fois » stays true).
    wagtail_reference_index_ignore = True

    class Meta:
        abstract = True

    @property
    def file(self):
        return self.source.file

    @property
    def size(self):
        return self.source.file_size or self.source.file.size

    @property
    def original_name(self):
        return self.source.file.name.rsplit("/", 1)[-1]

    @classmethod
    def follow(cls, sender, instance, created=False, update_fields=None, **kwargs):
        """On save: a new scan (pending, or « off ») when the file is new."""
        if kwargs.get("raw") or not instance.file:
            return
        if update_fields is not None and "file" not in update_fields:
            return  # a title, a hash, a size: the same file
        name = instance.file.name
        current = None if created else cls.objects.filter(source=instance).first()
        if current is not None:
            if current.file_name == name:
                return
            current.delete()  # a scan of the old file still running writes nothing
        scan = cls.objects.create(
            source=instance, file_name=name, scan_state=initial_state()
        )
        if scan.scan_state == ScanState.PENDING:
            schedule(scan)


class DocumentScan(WagtailFileScan):
    source = models.OneToOneField(
        get_document_model_string(),
        on_delete=models.CASCADE,
        related_name="antivirus_scan",
        verbose_name=_("document"),
    )

    class Meta:
        verbose_name = _("analyse antivirus d'un document")
        verbose_name_plural = _("analyses antivirus des documents")


class ImageScan(WagtailFileScan):
    source = models.OneToOneField(
        get_image_model_string(),
        on_delete=models.CASCADE,
        related_name="antivirus_scan",
        verbose_name=_("image"),
    )

    class Meta:
        verbose_name = _("analyse antivirus d'une image")
        verbose_name_plural = _("analyses antivirus des images")


def connect():
    """Follow the saves of Wagtail's documents and images (from ``AppConfig.ready``)."""
    post_save.connect(
        DocumentScan.follow, sender=get_document_model(), dispatch_uid="document_scan"
    )
    post_save.connect(
        ImageScan.follow, sender=get_image_model(), dispatch_uid="image_scan"
    )
    for model in (DocumentScan, ImageScan):
        file_quarantined.connect(
            log_quarantine, sender=model, dispatch_uid=f"{model.__name__}_quarantined"
        )


def log_quarantine(sender, instance, **kwargs):
    """In the document's (or image's) history in Wagtail."""
    log(
        instance.source,
        ACTION_QUARANTINED,
        data={
            "name": instance.original_name,
            "state": instance.scan_state,
            "detail": instance.scan_detail,
        },
    )


def scan_of(source):
    """The current scan of a document or an image, or ``None`` (none yet)."""
    try:
        return source.antivirus_scan
    except (DocumentScan.DoesNotExist, ImageScan.DoesNotExist):
        return None
