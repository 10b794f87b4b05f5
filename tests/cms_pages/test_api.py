"""Pages read headlessly through Wagtail's API v3, described by OpenAPI."""

import pytest

pytestmark = pytest.mark.django_db


def test_call_detail_gives_dates_criteria_body_and_status(client, call):
    """A front end gets everything it needs to show a call from one request."""
    response = client.get(f"/api/v3/pages/{call.pk}/")
    assert response.status_code == 200
    data = response.json()
    assert data["meta"]["type"] == "cms_pages.CallPage"
    assert data["title"] == "Appel de test"
    assert data["opens_at"].startswith(
        call.opens_at.astimezone().strftime("%Y-%m-%d")[:4]
    )
    assert data["closes_at"] is not None
    assert data["preselection_date"] == call.preselection_date.isoformat()
    assert data["investigations_start"] == call.investigations_start.isoformat()
    assert data["status"] == "open"
    assert [(c["label"], c["weight"], c["scale_max"]) for c in data["criteria"]] == [
        ("Ampleur du problème", "2.00", 5),
        ("Motivation", "1.00", 5),
        ("Idée de solution", "1.00", 10),
    ]
    assert isinstance(data["body"], list)


def test_streamfield_comes_as_typed_json(client, call):
    call.body = [
        {"type": "heading", "value": {"text": "Objectifs", "level": "h2"}},
        {
            "type": "callout",
            "value": {
                "title": "À savoir",
                "text": "Texte",
                "link": {"label": "", "page": None, "url": "", "style": "primary"},
            },
        },
    ]
    call.save()
    body = client.get(f"/api/v3/pages/{call.pk}/").json()["body"]
    assert body[0]["type"] == "heading"
    assert body[0]["value"] == {"text": "Objectifs", "level": "h2"}
    assert body[1]["value"]["link"] is None


def test_calls_can_be_listed_by_type(client, call, faq):
    response = client.get("/api/v3/pages/", {"type": "cms_pages.CallPage"})
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == [call.pk]


def test_unpublished_pages_are_not_served(client, call):
    call.unpublish()
    assert client.get(f"/api/v3/pages/{call.pk}/").status_code == 404


def test_openapi_document_describes_the_call(client, db):
    """The OpenAPI document is served and names the call's fields and criteria."""
    response = client.get("/api/v3/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v3/pages/{page_id}/" in schema["paths"]
    call_schema = next(
        value
        for name, value in schema["components"]["schemas"].items()
        if "CallPage" in name and "criteria" in value.get("properties", {})
    )
    for field in ("opens_at", "closes_at", "criteria", "body", "status"):
        assert field in call_schema["properties"], field
