"""A third party integrates from the OpenAPI document alone: a generated client
uploads files and, with a staff token, reads candidatures.

openapi-python-client (what a Python integrator would run) generates a client
from the document the live server serves; the client then submits a
candidature with two attached files and a UUID idempotency key, over real
HTTP, with no hand-written request code.
"""

import importlib
import io
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from forms.models import Candidature

from .helpers import PDF, PNG, answers

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PACKAGE = "amorce_api_client"


@pytest.fixture(scope="module")
def generated_client(tmp_path_factory, django_db_blocker):
    """The client generated once from the document the API serves."""
    from django.test import Client

    folder = tmp_path_factory.mktemp("client")
    document = folder / "openapi.json"
    with django_db_blocker.unblock():
        document.write_bytes(Client().get("/api/v3/openapi.json").content)
    generator = Path(sys.executable).with_name("openapi-python-client")
    done = subprocess.run(  # noqa: S603 - the generator, fixed arguments
        [str(generator), "generate", "--path", str(document), "--meta", "none"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert (folder / PACKAGE).is_dir(), done.stdout + done.stderr
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [n for n in sys.modules if n.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def submission_module(package):
    return importlib.import_module(
        f"{package.__name__}.api.candidatures.forms_api_submit"
    )


def test_a_generated_client_uploads_files_with_a_uuid_key(
    generated_client, live_server, form_page
):
    models = importlib.import_module(f"{PACKAGE}.models")
    types = importlib.import_module(f"{PACKAGE}.types")
    submit = submission_module(generated_client)
    client = generated_client.Client(base_url=live_server.url)

    body = models.FormsApiSubmitFilesBody(
        answers=models.FormsApiSubmitFilesBodyAnswers.from_dict(answers()),
        idempotency_key=uuid.uuid4(),
    )
    body["pieces_jointes"] = types.File(payload=io.BytesIO(PDF), file_name="budget.pdf")
    body["pieces_jointes.2"] = types.File(
        payload=io.BytesIO(PNG), file_name="schema.png"
    )
    first = submit.sync_detailed(form_page.pk, client=client, body=body)
    assert first.status_code == 201, first.content
    created = first.parsed
    assert created.reference
    assert created.status.value == "received"

    candidature = Candidature.objects.get(reference=created.reference)
    assert sorted(a.original_name for a in candidature.attachments.all()) == [
        "budget.pdf",
        "schema.png",
    ]
    assert candidature.form_data["le_probleme"] == answers()["le_probleme"]

    # Sent again with the same key (a lost answer): the same candidature.
    body["pieces_jointes"].payload.seek(0)
    body["pieces_jointes.2"].payload.seek(0)
    again = submit.sync_detailed(form_page.pk, client=client, body=body)
    assert again.status_code == 201
    assert again.parsed.reference == created.reference
    assert Candidature.objects.filter(page=form_page).count() == 1


def test_a_generated_client_sends_json_with_a_uuid_key_and_reads_the_errors(
    generated_client, live_server, form_page
):
    models = importlib.import_module(f"{PACKAGE}.models")
    submit = submission_module(generated_client)
    client = generated_client.Client(base_url=live_server.url)
    key = uuid.uuid4()

    wrong = models.FormsApiSubmitJsonBody(
        answers=models.FormsApiSubmitJsonBodyAnswers.from_dict(
            answers(public_concerne="Personne")
        ),
        idempotency_key=key,
    )
    refused = submit.sync_detailed(form_page.pk, client=client, body=wrong)
    assert refused.status_code == 422
    assert "public_concerne" in refused.parsed.errors.additional_properties

    right = models.FormsApiSubmitJsonBody(
        answers=models.FormsApiSubmitJsonBodyAnswers.from_dict(answers()),
        idempotency_key=key,
    )
    accepted = submit.sync_detailed(form_page.pk, client=client, body=right)
    assert accepted.status_code == 201, accepted.content
    again = submit.sync_detailed(form_page.pk, client=client, body=right)
    assert again.parsed.reference == accepted.parsed.reference
    assert Candidature.objects.filter(page=form_page).count() == 1


def test_a_generated_client_reads_candidatures_with_a_staff_token(
    generated_client, live_server, form_page, paula
):
    """The programme team's script: a personal token, the generated client, the
    candidatures it may read, followed by their ``next`` cursor."""
    from wagtail.models import APIToken

    candidatures = importlib.import_module(
        f"{PACKAGE}.api.personnel.staffapi_api_list_candidatures"
    )
    models = importlib.import_module(f"{PACKAGE}.models")
    submit = submission_module(generated_client)
    anonymous = generated_client.Client(base_url=live_server.url)
    for email in ("a@example.gouv.fr", "b@example.gouv.fr", "c@example.gouv.fr"):
        body = models.FormsApiSubmitJsonBody(
            answers=models.FormsApiSubmitJsonBodyAnswers.from_dict(
                answers(identity_email=email)
            ),
        )
        assert (
            submit.sync_detailed(form_page.pk, client=anonymous, body=body).status_code
            == 201
        )

    _token, plaintext = APIToken.create_token(user=paula, name="Script")
    client = generated_client.AuthenticatedClient(
        base_url=live_server.url, token=plaintext
    )
    first = candidatures.sync_detailed(client=client, limit=2)
    assert first.status_code == 200, first.content
    second = candidatures.sync_detailed(
        client=client, limit=2, after=first.parsed.next_
    )
    emails = [c.applicant_email for c in [*first.parsed.items, *second.parsed.items]]
    assert sorted(emails) == [
        "a@example.gouv.fr",
        "b@example.gouv.fr",
        "c@example.gouv.fr",
    ]

    refused = candidatures.sync_detailed(
        client=generated_client.AuthenticatedClient(
            base_url=live_server.url, token="wagtail_" + "0" * 33
        )
    )
    assert refused.status_code == 401
