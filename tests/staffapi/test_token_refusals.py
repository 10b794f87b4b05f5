"""A bearer token the API refuses gets the same 401 on every route, saying why.

Expired, revoked, malformed, or from another instance (unknown here): on our
staff routes, on Wagtail's own (pages, their actions, whoami, sites), on the
forms API (reading a form, submitting) and on the public investigations, the
answer is a French problem (``application/problem+json``, ``detail``) with
``WWW-Authenticate: Bearer error="invalid_token"`` (RFC 6750), and nothing
changes. Without a token, public reads stay public; a route that needs one
says so in French, with ``WWW-Authenticate: Bearer``.
"""

import pytest

from forms.models import Candidature
from tests.staffapi.test_staff_tokens import token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def routes(call, form_page):
    """(method, path, body) of each family of routes."""
    return [
        ("get", "/api/v3/staff/candidatures/", None),
        ("get", "/api/v3/staff/investigations/", None),
        ("get", "/api/v3/pages/", None),
        ("get", f"/api/v3/pages/{call.pk}/", None),
        ("post", f"/api/v3/pages/{call.pk}/actions/unpublish/", {}),
        ("get", "/api/v3/whoami/", None),
        ("get", "/api/v3/sites/", None),
        ("get", "/api/v3/forms/", None),
        ("get", f"/api/v3/forms/{form_page.pk}/", None),
        (
            "post",
            f"/api/v3/forms/{form_page.pk}/submissions/",
            {"answers": {"identity_name": "Camille"}},
        ),
        ("get", "/api/v3/investigations/", None),
    ]


def send(client, method, path, body, authorization=None):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    if method == "get":
        return client.get(path, **headers)
    return client.post(path, body, content_type="application/json", **headers)


@pytest.fixture
def refused_tokens(paula):
    _expired, expired = token_for(paula, days=-1)
    revoked, revoked_plain = token_for(paula)
    revoked.revoke()
    return {
        "expiré": f"Bearer {expired}",
        "révoqué": f"Bearer {revoked_plain}",
        "inconnu": "Bearer pas-un-jeton ça",  # malformed
        "inconnu ": "Bearer ",  # a bearer without its token
        "inconnu  ": f"Bearer wagtail_{'x' * 40}",  # another instance's token
    }


def test_every_family_of_routes_refuses_a_bad_token_the_same_way(
    client, call, routes, refused_tokens
):
    for method, path, body in routes:
        for why, authorization in refused_tokens.items():
            response = send(client, method, path, body, authorization)
            assert response.status_code == 401, (path, why)
            assert response["Content-Type"] == "application/problem+json", path
            assert response["WWW-Authenticate"] == 'Bearer error="invalid_token"'
            assert why.strip() in response.json()["detail"], (path, why)
    call.refresh_from_db()
    assert call.live
    assert not Candidature.objects.exists()


def test_without_a_token_public_reads_stay_public_and_others_say_what_is_needed(
    client, call, routes
):
    for method, path, body in routes:
        response = send(client, method, path, body)
        if path.startswith("/api/v3/staff/") or path.endswith(
            ("/whoami/", "/sites/", "/unpublish/")
        ):
            assert response.status_code == 401, path
            assert response["WWW-Authenticate"] == "Bearer", path
            assert "Jeton requis" in response.json()["detail"], path
        else:
            assert response.status_code != 401, path


def test_another_scheme_is_left_to_whoever_uses_it(client, call):
    """A proxy's Basic authentication (a staging server) is not a bad token."""
    response = client.get(
        f"/api/v3/pages/{call.pk}/", HTTP_AUTHORIZATION="Basic c3RhZ2luZzpzdGFnaW5n"
    )
    assert response.status_code == 200


def test_a_valid_token_reads(client, paula, call):
    _token, valid = token_for(paula)
    response = client.get("/api/v3/whoami/", HTTP_AUTHORIZATION=f"Bearer {valid}")
    assert response.status_code == 200
    assert response.json()["user"]["username"] == paula.username
