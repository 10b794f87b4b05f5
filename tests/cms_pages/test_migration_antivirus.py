"""Documents and images stored before the antivirus become « antérieur à
l'antivirus » by migration, and stay served: the database is taken back to before
the scans (cms_pages 0015), rows are written there, then migrated forward."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from wagtail.documents import get_document_model

from tests.forms.helpers import PDF
from tests.migrating import migrate, migrate_to_latest

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE = [("cms_pages", "0015_programme_key_figures")]
AFTER = [("cms_pages", "0016_antivirus_documents_images")]


def test_existing_documents_and_images_become_legacy_and_stay_served(settings):
    try:
        old = migrate(BEFORE)
        Document = old.get_model("wagtaildocs", "Document")
        Image = old.get_model("wagtailimages", "Image")
        Collection = old.get_model("wagtailcore", "Collection")
        root = Collection.objects.get(depth=1)
        name = default_storage.save("documents/ancien-reglement.pdf", ContentFile(PDF))
        for n in range(3):
            Document.objects.create(title=f"Ancien {n}", file=name, collection=root)
        Image.objects.create(
            title="Ancienne affiche",
            file="original_images/ancienne.png",
            width=8,
            height=8,
            collection=root,
        )

        new = migrate(AFTER)
        DocumentScan = new.get_model("cms_pages", "DocumentScan")
        ImageScan = new.get_model("cms_pages", "ImageScan")
        assert new.get_model("wagtaildocs", "Document").objects.count() == 3
        assert sorted(
            DocumentScan.objects.values_list("source__title", "scan_state", "file_name")
        ) == [(f"Ancien {n}", "legacy", name) for n in range(3)]
        assert list(ImageScan.objects.values_list("scan_state", flat=True)) == [
            "legacy"
        ]
    finally:
        migrate_to_latest()

    # Served as before, even with the antivirus on.
    settings.AMORCE_ANTIVIRUS = True
    document = get_document_model().objects.get(title="Ancien 0")
    assert document.antivirus_scan.scan_state == "legacy"
    assert Client().get(document.url).status_code == 200
