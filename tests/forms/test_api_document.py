"""The forms API answers what its OpenAPI document says: status, content type, body.

Found by fuzzing the API with schemathesis (bench/fuzz.py): an unknown form
came back as Wagtail's ``application/problem+json`` with an English message
naming the model, although the document promised our ``Problem`` in JSON; a
body that is not JSON did the same for 422; a page number that is not a number
got a 422 the document did not mention; a multipart body without its boundary
got Django's HTML 400 page.
"""

import json

import jsonschema_rs  # schemathesis' validator, in the dev extra
import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(client):
    return client.get("/api/v3/openapi.json").json()


def assert_documented(document, path, method, response):
    operation = document["paths"][path][method]
    assert str(response.status_code) in operation["responses"], (
        f"{method.upper()} {path}: {response.status_code} is not documented"
    )
    content = operation["responses"][str(response.status_code)].get("content", {})
    media_type = response["Content-Type"].split(";")[0]
    assert media_type in content, (
        f"{method.upper()} {path} {response.status_code}: {media_type} is not documented "
        f"({sorted(content)})"
    )
    schema = {**content[media_type]["schema"], "components": document["components"]}
    jsonschema_rs.validator_for(schema).validate(response.json())


def test_unknown_form_is_a_documented_french_problem(client, document, form_page):
    response = client.get("/api/v3/forms/999999/")
    assert response.status_code == 404
    assert response.json()["detail"] == "Aucun formulaire publié ne porte ce numéro."
    assert_documented(document, "/api/v3/forms/{page_id}/", "get", response)

    response = client.post(
        "/api/v3/forms/999999/submissions/", "{}", content_type="application/json"
    )
    assert response.status_code == 404
    assert_documented(
        document, "/api/v3/forms/{page_id}/submissions/", "post", response
    )


def test_a_page_number_that_is_not_a_number_is_a_documented_422(client, document):
    response = client.get("/api/v3/forms/null,null/")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert_documented(document, "/api/v3/forms/{page_id}/", "get", response)

    response = client.post(
        "/api/v3/forms/abc/submissions/", "{}", content_type="application/json"
    )
    assert response.status_code == 422
    assert_documented(
        document, "/api/v3/forms/{page_id}/submissions/", "post", response
    )


@pytest.mark.parametrize(
    ("body", "headers", "detail"),
    [
        ("{not json", {}, "Le corps de la requête n'est pas du JSON valide."),
        ("[]", {}, "Le corps doit contenir un objet « answers »."),
        (
            json.dumps({"answers": {}}),
            {"Idempotency-Key": "pas-un-uuid"},
            "L'en-tête Idempotency-Key doit être un UUID.",
        ),
        (  # was Django's HTML 400 page, and a traceback in the log
            "--x\r\n",
            {"Content-Type": "multipart/form-data"},
            "Le corps multipart de la requête est illisible.",
        ),
    ],
)
def test_an_unreadable_submission_is_our_documented_422(
    client, document, form_page, body, headers, detail
):
    response = client.post(
        f"/api/v3/forms/{form_page.pk}/submissions/",
        body,
        content_type=headers.pop("Content-Type", "application/json"),
        headers=headers,
    )
    assert response.status_code == 422
    assert response.json()["detail"] == detail
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert_documented(
        document, "/api/v3/forms/{page_id}/submissions/", "post", response
    )


def test_the_document_is_valid_openapi(document):
    """What a client generator checks first: openapi-spec-validator finds no error.

    Wagtail 8.0 declares its anonymous access as an HTTP scheme without a
    ``scheme``; ours is the empty requirement OpenAPI means by it.
    """
    from openapi_spec_validator import OpenAPIV31SpecValidator

    errors = [
        f"{'/'.join(map(str, error.path))}: {error.message}"
        for error in OpenAPIV31SpecValidator(document).iter_errors()
    ]
    assert errors == []
    pages = document["paths"]["/api/v3/pages/"]["get"]
    assert {} in pages["security"]
    assert all(
        "scheme" in scheme
        for scheme in document["components"]["securitySchemes"].values()
    )


def test_types_states_and_statuses_are_enums(document):
    schemas = document["components"]["schemas"]

    def enum_of(schema_name, prop):
        spec = schemas[schema_name]["properties"][prop]
        if "$ref" in spec:
            spec = schemas[spec["$ref"].rsplit("/", 1)[1]]
        return set(spec["enum"])

    assert {"singleline", "file", "section", "siret", "commune"} <= enum_of(
        "FieldOut", "type"
    )
    assert enum_of("FormOut", "state") == {"upcoming", "open", "closed"}
    assert enum_of("FormSummaryOut", "state") == {"upcoming", "open", "closed"}
    assert enum_of("CallOut", "status") == {"upcoming", "open", "closed"}
    assert {"received", "withdrawn"} <= enum_of("SubmissionCreated", "status")
    weight = schemas["SelectionCriterionSchema"]["properties"]["weight"]
    assert weight["default"] == "1"


def test_the_anonymous_pages_api_still_answers(client, form_page):
    response = client.get("/api/v3/pages/")
    assert response.status_code == 200


def test_a_commune_search_with_a_nul_character_is_a_documented_400(client, document):
    """Found by schemathesis: the middleware's refusal was not in the document."""
    response = client.get("/api/v3/forms/communes/?q=Par%00is")
    assert response.status_code == 400
    assert_documented(document, "/api/v3/forms/communes/", "get", response)


def test_every_reading_operation_declares_the_web_servers_414(document):
    """A request line longer than gunicorn reads (4,094 bytes) is answered 414
    by the web server, before the application: every reading operation,
    whose filters make the query string as long as a client wants, declares
    it (found by schemathesis with a 7 KB query string)."""
    readings = {
        path: item["get"]
        for path, item in document["paths"].items()
        if isinstance(item.get("get"), dict)
    }
    assert len(readings) > 20
    assert [
        path for path, get in readings.items() if "414" not in get["responses"]
    ] == []
    described = readings["/api/v3/staff/candidatures/"]["responses"]["414"]
    assert "serveur web" in described["description"]
    assert list(described["content"]) == ["text/html"]
