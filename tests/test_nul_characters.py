"""A NUL character in an address is refused in French, never a server error.

PostgreSQL cannot compare text with NUL: Wagtail's routing, its search and
its API filters passed one from the address to the database and answered 500
(found by schemathesis on ``?site=``). CI runs this file on both databases.
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
