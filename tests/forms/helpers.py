"""Building real submissions: answers, and small real files of each kind."""

import io
import re
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def docx_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def answers(**overrides):
    data = {
        "identity_name": "Camille Martin",
        "identity_email": "camille.martin@example.gouv.fr",
        "identity_administration": "Préfecture de l'Exemple",
        "identity_service": "Accueil des usagers",
        "le_probleme": "Les usagers attendent trois mois pour un rendez-vous.",
        "public_concerne": "Usagers",
        "idee": "Un agenda partagé",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def token_from(response):
    match = re.search(rb'name="jeton" value="([^"]+)"', response.content)
    return match.group(1).decode() if match else None


def post_form(client, page, data=None, files=None, path=None, **extra):
    """POST to the form; the after-commit work (emails) runs as it would in production.

    Without a ``jeton`` in ``data``, one the form would have given is added.
    ``path`` (with ``HTTP_HOST``) addresses a form of another site than the default.
    """
    from forms.builder import issue_token

    payload = answers() if data is None else dict(data)
    payload.setdefault("jeton", issue_token(page))
    if files:
        payload.update(files)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(path or page.url, payload, **extra)
