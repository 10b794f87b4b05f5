"""Requests no page can answer are refused in French, never a server error.

Each was found by schemathesis (bench/fuzz.py) as a 500 in Wagtail 8.0:
a NUL character in the address (PostgreSQL cannot compare text with NUL, and
Wagtail's routing, search and API filters passed it on), and an API
``?site=host:port`` whose port is not a number. CI runs this file on both
databases.
"""

import pytest

pytestmark = pytest.mark.django_db

NUL = "a\x00b"


@pytest.mark.parametrize(
    "path,params",
    [
        ("/api/v3/pages/", {"site": NUL}),
        ("/api/v3/pages/", {"search": NUL}),
        ("/api/v3/pages/", {"locale": NUL}),
        ("/api/v3/pages/find/", {"site": NUL, "id": "1"}),
        ("/api/v3/pages/find/", {"html_path": "/" + NUL}),
        ("/api/v3/images/", {"search": NUL}),
        ("/api/v3/documents/", {NUL: "1"}),
    ],
)
def test_api_answers_a_problem(client, call, path, params):
    response = client.get(path, params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 400 and problem["title"] == "Requête invalide"
    assert "caractère nul" in problem["detail"]


@pytest.mark.parametrize(
    "path,params",
    [("/", {"utm_source": NUL}), ("/a%00b/", {}), ("/admin/login/", {"next": NUL})],
)
def test_pages_answer_in_french(client, call, path, params):
    response = client.get(path, params)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Requête invalide" in page
    assert "caractère nul" in page


def test_ordinary_addresses_are_untouched(client, call):
    assert client.get("/", {"utm_source": "lettre"}).status_code == 200
    assert client.get("/api/v3/pages/", {"search": "appel"}).status_code == 200
    assert client.get(call.url).status_code == 200


@pytest.mark.parametrize(
    "path,params",
    [
        ("/api/v3/pages/find/", {"site": "a:b", "html_path": "/"}),
        ("/api/v3/pages/find/", {"site": "a:b", "id": "1"}),
        ("/api/v3/pages/", {"site": "a:b"}),
        ("/api/v3/pages/", {"site": "a:80:1"}),
        ("/api/v3/pages/", {"site": "a:²"}),
    ],
)
def test_a_site_filter_whose_port_is_not_a_number(client, call, path, params):
    response = client.get(path, params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "« :port », un nombre" in response.json()["detail"]


def test_site_filters_that_can_be_read_still_answer(client, call, site):
    listed = client.get("/api/v3/pages/", {"site": f"{site.hostname}:{site.port}"})
    assert listed.status_code == 200 and listed.json()["items"]
    assert (
        client.get("/api/v3/pages/", {"site": "inconnu.example.org"}).status_code == 404
    )
    unknown_port = client.get(
        "/api/v3/pages/find/",
        {"site": "inconnu:99999999999999999999", "html_path": "/"},
    )
    assert unknown_port.status_code == 404
