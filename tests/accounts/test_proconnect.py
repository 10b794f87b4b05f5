"""Sign-in with ProConnect, against a real OpenID Connect provider (tests/accounts/conftest.py).

Django's test client plays the browser on our side; ``requests`` plays it at
the provider, which signs in whoever its form is given. Our backend speaks to
the provider over real HTTP (discovery, token, keys, userinfo).
"""

import html
import json
import re
import socket
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from django.contrib.auth.models import Group, User
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.models import Page, Site

from accounts.backends import ProConnectBackend
from accounts.models import EmailDomainGroup, ProConnectIdentity, SignInSettings
from cms_pages.models import SiteGroup
from core.security import LOGIN_FAILURES
from forms.models import Candidature
from tests.forms.helpers import answers, post_form
from tests.users import member_of

pytestmark = pytest.mark.django_db

OUR_SIDE = "http://testserver"


def text(response):
    return html.unescape(response.content.decode())


def follow(browser, response):
    """Follow the provider's redirects until one leads back to us: its URL."""
    while response.status_code in (302, 303):
        location = urljoin(response.url, response.headers["Location"])
        if location.startswith(OUR_SIDE):
            return location
        response = browser.get(location, allow_redirects=False, timeout=10)
    return response


def at_provider(client, start="/proconnect/connexion/?next=/admin/", **claims):
    """Start at ``start``, sign in at the provider with ``claims``: the callback's URL."""
    started = client.get(start)
    assert started.status_code == 302, started
    asked = parse_qs(urlsplit(started["Location"]).query)
    assert asked["acr_values"] == ["eidas1"]  # ProConnect's level, by default
    assert {"openid", "email", "usual_name", "siret"} <= set(asked["scope"][0].split())
    browser = requests.Session()
    form_page = follow(
        browser, browser.get(started["Location"], allow_redirects=False, timeout=10)
    )
    assert form_page.status_code == 200, form_page.text
    action = re.search(r'<form method="post" action="([^"]+)"', form_page.text)[1]
    fields = {"email": "agent@exemple.gouv.fr", "email_verified": "true", **claims}
    posted = browser.post(
        urljoin(form_page.url, action), data=fields, allow_redirects=False, timeout=10
    )
    callback = follow(browser, posted)
    assert isinstance(callback, str), callback.text
    assert callback.startswith(f"{OUR_SIDE}/proconnect/callback/?")
    return callback


def sign_in(client, start="/proconnect/connexion/?next=/admin/", **claims):
    """The whole flow: our callback's response."""
    return client.get(at_provider(client, start, **claims).removeprefix(OUR_SIDE))


def refusal(client, response):
    """The French message the sign-in page shows after a refused callback."""
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/"
    page = text(client.get("/admin/login/"))
    return page


def test_a_team_member_signs_in_with_proconnect_matched_by_email_in_any_case(
    client, proconnect, settings
):
    """The account whose address is ProConnect's, whatever its case, opens the admin."""
    settings.PROCONNECT_SCOPES += " idp_id"
    paula = member_of("Équipe programme", "paula", "Paula.Martin@Exemple.gouv.fr")
    response = sign_in(
        client,
        email="paula.martin@exemple.gouv.fr",
        siret="11002001300097",
        organizational_unit="Bureau de l'innovation",
        idp_id="idp-test",
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.session["amorce_auth_method"] == "proconnect"
    assert User.objects.count() == 1
    identity = ProConnectIdentity.objects.get(user=paula)
    assert identity.siret == "11002001300097"
    assert identity.organizational_unit == "Bureau de l'innovation"
    assert identity.idp_id == "idp-test"


def test_an_unknown_agent_gets_an_account_without_any_group(client, proconnect):
    response = sign_in(
        client,
        email="nouvel.agent@ailleurs.gouv.fr",
        given_name="Nour",
        usual_name="Agent",
    )
    user = User.objects.get(email="nouvel.agent@ailleurs.gouv.fr")
    assert (user.first_name, user.last_name) == ("Nour", "Agent")
    assert list(user.groups.all()) == []
    assert not user.has_usable_password()
    assert response["Location"] == "/admin/"
    # Signed in, but the admin stays closed until the team gives a group.
    assert client.get("/admin/").status_code == 302
    assert "votre compte n'a encore accès à aucun espace" in text(
        client.get("/admin/login/")
    )
    assert client.session["_auth_user_id"] == str(user.pk)


def test_the_sites_email_domains_give_their_group_to_a_new_account(client, proconnect):
    jury = Group.objects.get(name="Jury")
    EmailDomainGroup.objects.create(
        site=Site.objects.get(is_default_site=True),
        domain="Exemple.gouv.fr",
        group=jury,
    )
    sign_in(client, email="jeanne@exemple.gouv.fr")
    assert list(User.objects.get(email="jeanne@exemple.gouv.fr").groups.all()) == [jury]
    # A subdomain is another domain.
    sign_in(Client(), email="paul@sous.exemple.gouv.fr")
    assert list(User.objects.get(email="paul@sous.exemple.gouv.fr").groups.all()) == []


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"email_verified": "false"}, "n'a pas vérifié votre adresse électronique"),
        ({"no_email": "true"}, "n'a pas transmis d'adresse électronique"),
    ],
)
def test_an_unverified_or_missing_email_is_refused(client, proconnect, claims, message):
    response = sign_in(client, **claims)
    assert message in refusal(client, response)
    assert User.objects.count() == 0
    assert "_auth_user_id" not in client.session


def test_a_replayed_state_is_refused(client, proconnect):
    callback = at_provider(client, email="agent@exemple.gouv.fr").removeprefix(OUR_SIDE)
    assert client.get(callback)["Location"] == "/admin/"
    # The same answer again, in the same browser or in another one.
    for browser in (client, Client()):
        response = browser.get(callback)
        assert "a expiré ou a déjà servi" in refusal(browser, response)
    assert "_auth_user_id" not in Client().session
    assert User.objects.count() == 1


@pytest.mark.parametrize("tamper", ["signature", "audience", "nonce"])
def test_a_tampered_id_token_is_refused(client, proconnect, tamper):
    """A signature altered, a token for another client or another nonce: refused."""
    response = sign_in(client, email="agent@exemple.gouv.fr", tamper=tamper)
    assert "n'a pas pu être vérifiée" in refusal(client, response)
    assert User.objects.count() == 0
    assert "_auth_user_id" not in client.session


def test_password_sign_in_can_be_switched_off_per_site(client, proconnect, settings):
    member_of("Équipe programme", "paula")
    root = User.objects.create_superuser("root", "root@equipe.example.org", "x")
    SignInSettings.objects.create(
        site=Site.objects.get(is_default_site=True), password_login=False
    )
    page = text(client.get("/admin/login/"))
    assert "S’identifier avec" in page and "ProConnect" in page
    assert 'name="password"' not in page
    refused = client.post("/admin/login/", {"username": "paula", "password": "x"})
    assert refused.status_code == 403
    assert "La connexion par mot de passe est désactivée sur ce site" in text(refused)
    assert "_auth_user_id" not in client.session
    # Break-glass: superusers only.
    settings.AMORCE_PASSWORD_LOGIN_BREAK_GLASS = True
    assert "Accès de secours" in text(client.get("/admin/login/"))
    # The right password gets the answer of a wrong one, and counts as a failure.
    right = client.post("/admin/login/", {"username": "paula", "password": "x"})
    wrong = client.post("/admin/login/", {"username": "paula", "password": "y"})
    assert "_auth_user_id" not in client.session
    assert "désactivée sur ce site" not in text(right)
    assert right.status_code == wrong.status_code
    assert right.context["form"].errors == wrong.context["form"].errors
    LOGIN_FAILURES.forget_subject(right.wsgi_request, "paula")
    settings.AMORCE_LOGIN_RATE_LIMIT = (1, 900)
    client.post("/admin/login/", {"username": "paula", "password": "x"})
    throttled = client.post("/admin/login/", {"username": "paula", "password": "x"})
    assert throttled.status_code == 429
    LOGIN_FAILURES.forget_subject(right.wsgi_request, "paula")
    signed_in = client.post("/admin/login/", {"username": "root", "password": "x"})
    assert signed_in.status_code == 302
    assert client.session["_auth_user_id"] == str(root.pk)


def test_a_site_switched_off_binds_its_people_on_every_hosts_form(
    client, proconnect, settings, site
):
    """Paula works on a site whose password is off: the form of another site's
    host (where it is on) refuses her too, as a wrong password would."""
    settings.ALLOWED_HOSTS = ["*"]
    other = Site.objects.create(
        hostname="autre.example.org", port=80, root_page=Page.objects.get(depth=1)
    )
    paula = member_of("Équipe programme", "paula")
    group = paula.groups.get()
    SiteGroup.objects.update_or_create(group=group, defaults={"site": site})
    SignInSettings.objects.create(site=site, password_login=False)
    SignInSettings.objects.create(site=other, password_login=True)
    on_other = {"HTTP_HOST": "autre.example.org"}
    assert 'name="password"' in text(client.get("/admin/login/", **on_other))
    right = client.post(
        "/admin/login/", {"username": "paula", "password": "x"}, **on_other
    )
    wrong = client.post(
        "/admin/login/", {"username": "paula", "password": "y"}, **on_other
    )
    assert "_auth_user_id" not in client.session
    assert right.context["form"].errors == wrong.context["form"].errors
    # Someone of that other site only keeps his password there.
    member_of("Communication", "camille")
    SiteGroup.objects.update_or_create(
        group=Group.objects.get(name="Communication"), defaults={"site": other}
    )
    signed_in = client.post(
        "/admin/login/", {"username": "camille", "password": "x"}, **on_other
    )
    assert signed_in.status_code == 302
    # A superuser works on every site: the break-glass only.
    root = User.objects.create_superuser("root", "root@equipe.example.org", "x")
    browser = Client()
    browser.post("/admin/login/", {"username": "root", "password": "x"}, **on_other)
    assert "_auth_user_id" not in browser.session
    settings.AMORCE_PASSWORD_LOGIN_BREAK_GLASS = True
    browser.post("/admin/login/", {"username": "root", "password": "x"}, **on_other)
    assert browser.session["_auth_user_id"] == str(root.pk)
    # The break-glass of a host switched off is for superusers only: camille,
    # whose own site keeps passwords, does not sign in on paula's host with it.
    on_paulas = Client()
    on_paulas.post("/admin/login/", {"username": "camille", "password": "x"})
    assert "_auth_user_id" not in on_paulas.session


def test_password_sign_in_stays_on_by_default_beside_proconnect(client, proconnect):
    member_of("Équipe programme", "paula")
    page = text(client.get("/admin/login/"))
    assert 'name="password"' in page and "S’identifier avec" in page
    assert (
        client.post("/admin/login/", {"username": "paula", "password": "x"})["Location"]
        == "/admin/"
    )


def strong_session(client):
    """Whether the admin opens without a code, for an account with an authenticator."""
    return client.get("/admin/").status_code == 200


@pytest.mark.parametrize(
    ("claims", "strong"),
    [
        ({}, False),  # ProConnect's default level, eidas1: one factor
        ({"acr": "eidas2"}, True),
        ({"acr": "eidas3"}, True),
        ({"acr": "eidas1", "amr": "pwd,mfa"}, True),
        ({"acr": "eidas1", "amr": "pwd"}, False),
    ],
)
def test_only_a_proconnect_sign_in_with_more_than_one_factor_counts_as_the_second(
    client, proconnect, settings, claims, strong
):
    settings.AMORCE_REQUIRE_2FA = True
    paula = member_of("Équipe programme", "paula", "agent@exemple.gouv.fr")
    TOTPDevice.objects.create(user=paula, name="app", confirmed=True)
    sign_in(client, **claims)
    assert client.session["_auth_user_id"] == str(paula.pk)
    assert client.session["amorce_auth_method"] == "proconnect"
    if strong:
        assert strong_session(client)
    else:
        held = client.get("/admin/")
        assert held.status_code == 302
        assert held["Location"].startswith("/admin/securite/verification/")


def test_the_levels_counted_strong_are_a_setting(client, proconnect, settings):
    settings.PROCONNECT_STRONG_ACR_VALUES = "eidas3"
    paula = member_of("Équipe programme", "paula", "agent@exemple.gouv.fr")
    TOTPDevice.objects.create(user=paula, name="app", confirmed=True)
    sign_in(client, acr="eidas2")
    assert not strong_session(client)
    browser = Client()
    sign_in(browser, acr="eidas3")
    assert strong_session(browser)


def test_the_claims_parameter_asks_for_a_level(client, proconnect, settings):
    """PROCONNECT_CLAIMS (docs/authentication.md) is sent as ProConnect reads it; by
    default it asks for ``amr``, which ProConnect gives only when asked."""
    started = client.get("/proconnect/connexion/")
    asked = parse_qs(urlsplit(started["Location"]).query)
    assert json.loads(asked["claims"][0]) == {"id_token": {"amr": {"essential": True}}}
    settings.PROCONNECT_CLAIMS = (
        '{"id_token": {"acr": {"essential": true, "values": ["eidas2", "eidas3"]}}}'
    )
    started = client.get("/proconnect/connexion/")
    asked = parse_qs(urlsplit(started["Location"]).query)
    assert '"essential": true' in asked["claims"][0]


def test_an_account_is_found_by_its_sub_and_an_address_given_to_another_is_refused(
    client, proconnect
):
    paula = member_of("Équipe programme", "paula", "agent@exemple.gouv.fr")
    sign_in(client, email="agent@exemple.gouv.fr", sub="sub-paula")
    identity = ProConnectIdentity.objects.get(user=paula)
    assert (identity.issuer, identity.sub) == (proconnect.issuer, "sub-paula")
    # The address now belongs to someone else at ProConnect (another sub).
    browser = Client()
    response = sign_in(browser, email="agent@exemple.gouv.fr", sub="sub-newcomer")
    assert "lié à une autre identité ProConnect" in refusal(browser, response)
    assert "_auth_user_id" not in browser.session
    assert ProConnectIdentity.objects.get(user=paula).sub == "sub-paula"
    # Paula, whose address changed at ProConnect, still opens her account.
    again = Client()
    sign_in(again, email="paula.martin@ailleurs.gouv.fr", sub="sub-paula")
    assert again.session["_auth_user_id"] == str(paula.pk)
    assert User.objects.count() == 1


def test_a_userinfo_for_another_sub_is_refused(client, proconnect):
    response = sign_in(client, email="agent@exemple.gouv.fr", tamper="userinfo_sub")
    assert "n'a pas pu être vérifiée" in refusal(client, response)
    assert User.objects.count() == 0


def test_the_issuer_is_always_checked(client, proconnect, settings):
    discovered = requests.get(proconnect.discovery_url, timeout=10).json()
    settings.PROCONNECT_DISCOVERY_URL = ""
    for name, key in [
        ("PROCONNECT_AUTHORIZATION_ENDPOINT", "authorization_endpoint"),
        ("PROCONNECT_TOKEN_ENDPOINT", "token_endpoint"),
        ("PROCONNECT_USERINFO_ENDPOINT", "userinfo_endpoint"),
        ("PROCONNECT_JWKS_ENDPOINT", "jwks_uri"),
    ]:
        setattr(settings, name, discovered[key])
    # Endpoints one by one and no PROCONNECT_ISSUER: no sign-in at all.
    settings.PROCONNECT_ISSUER = ""
    assert client.get("/proconnect/connexion/")["Location"] == "/admin/login/"
    assert "ProConnect ne répond pas" in text(client.get("/admin/login/"))
    # Tokens of another issuer than the configured one: refused.
    settings.PROCONNECT_ISSUER = discovered["issuer"]
    callback = at_provider(client).removeprefix(OUR_SIDE)
    settings.PROCONNECT_ISSUER = "https://another.example.org"
    assert "n'a pas pu être vérifiée" in refusal(client, client.get(callback))
    assert User.objects.count() == 0
    settings.PROCONNECT_ISSUER = discovered["issuer"]
    assert sign_in(Client())["Location"] == "/admin/"


def signed_out_at_provider(end_session):
    """Where the provider sends the browser back once its logout page is confirmed."""
    browser = requests.Session()
    asked = browser.get(end_session, timeout=10)
    assert asked.status_code == 200, asked.text
    form = re.search(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', asked.text, re.S)
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form[2]))
    done = browser.post(
        urljoin(asked.url, form[1]),
        data={**fields, "logout": "yes"},
        allow_redirects=False,
        timeout=10,
    )
    return urljoin(done.url, done.headers["Location"])


def test_signing_out_signs_out_at_the_provider_too(client, proconnect):
    member_of("Équipe programme", "paula", "agent@exemple.gouv.fr")
    sign_in(client, email="agent@exemple.gouv.fr")
    id_token = client.session["oidc_id_token"]
    response = client.post("/admin/logout/")
    assert "_auth_user_id" not in client.session
    end_session = response["Location"]
    assert end_session.startswith(f"{proconnect.issuer}/session/end?")
    params = {k: v[0] for k, v in parse_qs(urlsplit(end_session).query).items()}
    assert params["id_token_hint"] == id_token
    assert params["post_logout_redirect_uri"] == f"{OUR_SIDE}/admin/login/"
    # The provider accepts it, asks, and comes back to us with our state.
    back = signed_out_at_provider(end_session)
    assert back.startswith(f"{OUR_SIDE}/admin/login/")
    assert parse_qs(urlsplit(back).query)["state"] == [params["state"]]


def test_a_password_session_signs_out_here_only(client, proconnect):
    member_of("Équipe programme", "paula")
    client.post("/admin/login/", {"username": "paula", "password": "x"})
    assert client.post("/admin/logout/")["Location"] == "/admin/login/"


def applicants_may_use_proconnect():
    """The site's « ProConnect pour les candidats » switched on (off by default)."""
    SignInSettings.objects.update_or_create(
        site=Site.objects.get(is_default_site=True),
        defaults={"applicant_proconnect": True},
    )


def test_an_applicant_resumes_her_dossiers_with_proconnect(form_page, proconnect):
    post_form(Client(), form_page, answers())
    candidature = Candidature.objects.get()
    browser = Client()
    # Off by default on a site.
    assert browser.get("/espace-candidat/proconnect/").status_code == 404
    assert "ProConnect" not in text(browser.get("/espace-candidat/nouveau-lien/"))
    applicants_may_use_proconnect()
    assert "S’identifier avec" in text(browser.get("/espace-candidat/nouveau-lien/"))
    url = f"/espace-candidat/dossiers/{candidature.reference}/"
    assert browser.get(url).status_code == 403
    response = sign_in(
        browser,
        start="/espace-candidat/proconnect/",
        email=candidature.applicant_email.upper(),
    )
    assert response["Location"] == "/espace-candidat/mes-dossiers/"
    mine = text(browser.get("/espace-candidat/mes-dossiers/"))
    assert candidature.reference in mine
    assert browser.get(url).status_code == 200
    # No account for an applicant, and nothing opened for another address.
    assert User.objects.count() == 0
    other = Client()
    sign_in(other, start="/espace-candidat/proconnect/", email="autre@exemple.gouv.fr")
    assert candidature.reference not in text(
        other.get("/espace-candidat/mes-dossiers/")
    )
    assert other.get(url).status_code == 403


def test_an_applicant_signs_out_here_and_at_the_provider(form_page, proconnect):
    post_form(Client(), form_page, answers())
    candidature = Candidature.objects.get()
    applicants_may_use_proconnect()
    browser = Client()
    sign_in(
        browser, start="/espace-candidat/proconnect/", email=candidature.applicant_email
    )
    url = f"/espace-candidat/dossiers/{candidature.reference}/"
    assert "Se déconnecter" in text(browser.get("/espace-candidat/mes-dossiers/"))
    assert browser.get(url).status_code == 200
    id_token = browser.session["oidc_id_token"]

    response = browser.post("/espace-candidat/deconnexion/")
    end_session = response["Location"]
    assert end_session.startswith(f"{proconnect.issuer}/session/end?")
    params = {k: v[0] for k, v in parse_qs(urlsplit(end_session).query).items()}
    assert params["id_token_hint"] == id_token
    back = f"{OUR_SIDE}/espace-candidat/nouveau-lien/"
    assert params["post_logout_redirect_uri"] == back
    # Nothing stays open in this browser.
    assert browser.get(url).status_code == 403
    assert browser.get("/espace-candidat/mes-dossiers/")["Location"] == (
        "/espace-candidat/nouveau-lien/"
    )
    # The provider accepts the request and comes back to the applicant's side.
    assert signed_out_at_provider(end_session).startswith(back)


def test_an_applicant_with_an_unverified_email_opens_nothing(form_page, proconnect):
    post_form(Client(), form_page, answers())
    candidature = Candidature.objects.get()
    applicants_may_use_proconnect()
    browser = Client()
    response = sign_in(
        browser,
        start="/espace-candidat/proconnect/",
        email=candidature.applicant_email,
        email_verified="false",
    )
    assert response["Location"] == "/espace-candidat/nouveau-lien/"
    page = text(browser.get("/espace-candidat/nouveau-lien/"))
    assert "n'a pas vérifié votre adresse électronique" in page
    assert browser.get("/espace-candidat/mes-dossiers/")["Location"] == (
        "/espace-candidat/nouveau-lien/"
    )


def test_only_superusers_edit_the_allowed_domains_and_see_the_identities(client):
    """Who could give himself a group must not edit the list that gives groups."""
    paula = member_of("Équipe programme", "paula")
    client.force_login(paula)
    assert client.get("/admin/domaines-autorises/").status_code == 302
    assert client.get("/admin/domaines-autorises/new/").status_code == 302
    assert client.get("/admin/identites-proconnect/").status_code == 302
    root = User.objects.create_superuser("root", "root@equipe.example.org", "x")
    client.force_login(root)
    site = Site.objects.get(is_default_site=True)
    jury = Group.objects.get(name="Jury")
    created = client.post(
        "/admin/domaines-autorises/new/",
        {"site": site.pk, "domain": "Exemple.GOUV.fr", "group": jury.pk},
    )
    assert created.status_code == 302
    assert EmailDomainGroup.objects.get().domain == "exemple.gouv.fr"
    refused = client.post(
        "/admin/domaines-autorises/new/",
        {"site": site.pk, "domain": "@exemple.gouv.fr", "group": jury.pk},
    )
    assert refused.status_code == 200
    assert "Un nom de domaine, sans « @ »" in text(refused)
    assert client.get("/admin/identites-proconnect/").status_code == 200


def test_a_silent_provider_gets_a_french_message_not_an_error_page(client, settings):
    with socket.socket() as sock:  # a port where nothing listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.PROCONNECT_CLIENT_ID = "amorce-test"
    settings.PROCONNECT_DISCOVERY_URL = (
        f"http://127.0.0.1:{port}/.well-known/openid-configuration"
    )
    response = client.get("/proconnect/connexion/")
    assert response["Location"] == "/admin/login/"
    assert "ProConnect ne répond pas pour le moment" in text(
        client.get("/admin/login/")
    )


def test_without_a_client_id_there_is_no_proconnect(client):
    assert "ProConnect" not in text(client.get("/admin/login/"))
    assert client.get("/proconnect/connexion/").status_code == 404


def test_two_first_sign_ins_at_once_both_open_the_same_account(
    client, proconnect, monkeypatch
):
    """A person's first sign-in, twice at once (two tabs, a double click): the
    second finds no account, and the first makes it (with its link to the same
    ``sub``) before the second's insert. The second signs in to that account,
    not to a server error, and no second account is left behind."""
    looked_up = ProConnectBackend.filter_users_by_claims
    first = {}

    def lookup_then_the_other_sign_in_commits(backend, claims):
        users = looked_up(backend, claims)
        if not users and not first:
            issuer, sub = backend.issuer_and_sub()
            first["user"] = User.objects.create_user(
                "nouvel.agent@ailleurs.gouv.fr", email="nouvel.agent@ailleurs.gouv.fr"
            )
            ProConnectIdentity.objects.create(
                user=first["user"], issuer=issuer, sub=sub
            )
        return users

    monkeypatch.setattr(
        ProConnectBackend,
        "filter_users_by_claims",
        lookup_then_the_other_sign_in_commits,
    )
    response = sign_in(client, email="nouvel.agent@ailleurs.gouv.fr", sub="sub-nour")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.session["_auth_user_id"] == str(first["user"].pk)
    assert User.objects.count() == 1
    assert ProConnectIdentity.objects.get().user == first["user"]
