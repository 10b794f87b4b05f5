"""Inviting a juror by email from the round: an account found or made, a link that
sets a password once, expires, and gives way to a newer one."""

import datetime as dt
import html

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail
from django.test import Client, override_settings
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import SignInSettings
from selection.invitations import hash_token
from selection.models import JuryInvitation, ReviewRound, RoundMember
from tests.users import member_of

from .jury_people import (  # noqa: F401 - fixtures, by their names
    alice_fixture,
    as_member,
    bruno_fixture,
    criteria_fixture,
    dossiers_fixture,
    evaluate,
    invitation_link,
    messages_of,
    review_round_fixture,
)

pytestmark = pytest.mark.django_db

PASSWORD = "Une-phrase-de-passe-solide-42"


def invite(client, review_round, **data):
    fields = {
        "last_name": "Externe",
        "first_name": "Jeanne",
        "email": "Jeanne.Externe@Autre-Ministere.gouv.fr",
        "administration": "Ministère de l'Autre",
    }
    fields.update(data)
    return client.post(f"/admin/tours/{review_round.pk}/membres/", fields)


def set_password(client, link, password=PASSWORD):
    return client.post(link, {"new_password1": password, "new_password2": password})


def test_an_external_juror_is_invited_sets_a_password_and_sees_only_his_round(
    programme_client, review_round, call
):
    other_round = ReviewRound.objects.create(call=call, kind="selection")
    response = invite(programme_client, review_round)
    assert response.status_code == 302
    assert any("Invitation envoyée" in m for m in messages_of(response))

    jeanne = User.objects.get(email__iexact="jeanne.externe@autre-ministere.gouv.fr")
    assert not jeanne.has_usable_password()
    assert jeanne.groups.filter(name="Jury").exists(), "the site's jury group"
    membership = RoundMember.objects.get(round=review_round, user=jeanne)
    assert membership.administration == "Ministère de l'Autre"

    (email,) = mail.outbox
    assert email.to == ["Jeanne.Externe@Autre-Ministere.gouv.fr"]
    assert email.alternatives, "a text and an HTML part"
    assert "choisissez votre mot de passe" in email.body
    assert "valable 14 jours" in email.body
    link = invitation_link(email)
    token = link.rstrip("/").rpartition("/")[2]
    invitation = JuryInvitation.objects.get(user=jeanne)
    assert invitation.token_hash == hash_token(token)
    stored = str(JuryInvitation.objects.filter(pk=invitation.pk).values().get())
    assert token not in stored, "only a hash is kept"
    assert invitation.invited_by.username == "paula"

    browser = Client()
    page = browser.get(link)
    assert page.status_code == 200
    assert "Choisissez votre mot de passe" in page.content.decode()
    landed = set_password(browser, link)
    assert landed.status_code == 302 and landed.url == "/admin/jury/"
    rounds = browser.get("/admin/jury/").content.decode()
    assert str(review_round) in rounds
    assert browser.get(f"/admin/jury/{other_round.pk}/").status_code == 404
    jeanne.refresh_from_db()
    assert jeanne.check_password(PASSWORD)
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None

    # The team sees it accepted, with who invited her.
    members = programme_client.get(f"/admin/tours/{review_round.pk}/membres/")
    assert "acceptée le" in members.content.decode()


def test_a_used_link_opens_nothing_and_changes_no_password(
    programme_client, review_round
):
    invite(programme_client, review_round)
    link = invitation_link(mail.outbox[0])
    set_password(Client(), link)
    again = Client()
    page = again.get(link)
    assert page.status_code == 410
    assert "a déjà servi" in page.content.decode()
    assert "peut vous envoyer une nouvelle invitation" in page.content.decode()
    refused = set_password(again, link, "Un-autre-mot-de-passe-99")
    assert refused.status_code == 410
    assert User.objects.get(last_name="Externe").check_password(PASSWORD)


def test_an_expired_link_opens_nothing(programme_client, review_round):
    with override_settings(AMORCE_JURY_INVITATION_MAX_AGE=3 * 86400):
        invite(programme_client, review_round)
    link = invitation_link(mail.outbox[0])
    assert "valable 3 jours" in mail.outbox[0].body
    JuryInvitation.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    browser = Client()
    page = browser.get(link)
    assert page.status_code == 410
    assert "a expiré" in page.content.decode()
    assert set_password(browser, link).status_code == 410
    assert not User.objects.get(last_name="Externe").has_usable_password()
    members = programme_client.get(f"/admin/tours/{review_round.pk}/membres/")
    assert "expirée le" in members.content.decode()


def test_an_unknown_link_says_so(client, db):
    page = client.get("/admin/invitation-jury/nimporte-quoi/")
    assert page.status_code == 410
    assert "pas reconnu" in page.content.decode()


def test_a_new_link_voids_the_old_one(programme_client, review_round):
    invite(programme_client, review_round)
    first = invitation_link(mail.outbox[0])
    jeanne = User.objects.get(last_name="Externe")
    membership = RoundMember.objects.get(round=review_round, user=jeanne)
    resent = programme_client.post(
        f"/admin/tours/{review_round.pk}/membres/{membership.pk}/renvoyer-invitation/"
    )
    assert resent.status_code == 302
    assert len(mail.outbox) == 2
    second = invitation_link(mail.outbox[1])
    assert first != second
    page = Client().get(first)
    assert page.status_code == 410 and "remplacé" in page.content.decode()
    assert set_password(Client(), second).status_code == 302
    assert JuryInvitation.objects.filter(user=jeanne).count() == 2, "both kept"


def test_an_existing_account_is_found_whatever_the_case_and_signs_in_as_usual(
    programme_client, review_round, call
):
    selection = ReviewRound.objects.create(call=call, kind="selection")
    colette = User.objects.create_user(
        "colette", "Colette@Ville.example.org", "son-mot-de-passe", is_active=False
    )
    response = invite(
        programme_client,
        selection,
        email="colette@VILLE.example.org",
        last_name="Dupont",
    )
    assert response.status_code == 302
    assert User.objects.filter(email__iexact="colette@ville.example.org").count() == 1
    colette.refresh_from_db()
    assert colette.is_active, "reactivated by the invitation"
    assert colette.last_name == "Dupont", "a blank name filled"
    assert any("réactivé" in m for m in messages_of(response))
    email = mail.outbox[0]
    assert "Vous avez déjà un compte (identifiant : colette)" in email.body

    link = invitation_link(email)
    browser = Client()
    page = browser.get(link).content.decode()
    assert "connectez-vous avec votre mot de passe habituel" in page.lower()
    assert 'name="new_password1"' not in page
    assert set_password(browser, link, "Un-mot-de-passe-vole-1").status_code == 409
    colette.refresh_from_db()
    assert colette.check_password("son-mot-de-passe"), "the link replaces no password"

    assert browser.login(username="colette", password="son-mot-de-passe")
    assert JuryInvitation.objects.get(user=colette).accepted_at is not None
    assert str(selection) in browser.get("/admin/jury/").content.decode()


def test_a_deactivated_administrator_is_not_reactivated_by_an_invitation(
    programme_client, review_round
):
    admin = User.objects.create_superuser(
        "ancienne", "Ancienne@Equipe.example.org", "x", is_active=False
    )
    response = invite(programme_client, review_round, email=admin.email)
    assert response.status_code == 200
    assert "seul un administrateur peut le réactiver" in response.content.decode()
    admin.refresh_from_db()
    assert not admin.is_active
    assert not RoundMember.objects.filter(user=admin).exists()
    assert not mail.outbox


def test_a_deactivated_programme_team_account_is_not_reactivated_by_an_invitation(
    programme_client, review_round
):
    former = member_of("Équipe programme", "ancien")
    former.is_active = False
    former.save()
    response = invite(programme_client, review_round, email=former.email)
    assert response.status_code == 200
    assert "seul un administrateur peut le réactiver" in response.content.decode()
    former.refresh_from_db()
    assert not former.is_active, "its candidatures' rights are not given back"
    assert not RoundMember.objects.filter(user=former).exists()
    assert not mail.outbox


def test_an_invitation_puts_a_removed_member_back(
    programme_client, review_round, alice, dossiers, criteria
):
    evaluate(review_round, dossiers[0], alice, [3, 3, 5], criteria)
    membership = RoundMember.objects.get(round=review_round, user=alice)
    programme_client.post(
        f"/admin/tours/{review_round.pk}/membres/{membership.pk}/retirer/"
    )
    membership.refresh_from_db()
    assert membership.removed_at is not None
    response = invite(programme_client, review_round, email=alice.email)
    assert any("remis dans le tour" in m for m in messages_of(response))
    membership.refresh_from_db()
    assert membership.removed_at is None
    assert str(review_round) in as_member(alice).get("/admin/jury/").content.decode()


@pytest.mark.parametrize(
    "data, message",
    [
        ({"email": "pas-une-adresse"}, "Saisissez une adresse électronique valide"),
        ({"last_name": ""}, "Champ requis"),
    ],
)
def test_bad_input_is_refused_in_french_and_creates_nothing(
    programme_client, review_round, data, message
):
    users = User.objects.count()
    response = invite(programme_client, review_round, **data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert User.objects.count() == users
    assert not JuryInvitation.objects.exists()
    assert not mail.outbox


def test_a_site_without_a_jury_group_is_refused_and_nothing_is_half_made(
    programme_client, review_round
):
    Group.objects.filter(name="Jury").delete()
    users = User.objects.count()
    response = invite(programme_client, review_round)
    assert response.status_code == 200
    assert "pas de groupe Jury" in response.content.decode()
    assert User.objects.count() == users, "the account made is undone"
    assert not JuryInvitation.objects.exists()


def test_a_juror_cannot_invite_nor_see_the_members_page(review_round, alice):
    client = as_member(alice)
    url = f"/admin/tours/{review_round.pk}/membres/"
    assert client.get(url).status_code in (302, 403)
    assert invite(client, review_round).status_code in (302, 403)
    assert not JuryInvitation.objects.exists()


def test_where_passwords_are_off_the_invitation_is_accepted_with_proconnect_only(
    programme_client, review_round, call
):
    """No password is set through the link on a site that switched passwords off:
    the page sends to the sign-in (ProConnect), and the link, opened again once
    signed in, accepts the invitation."""
    SignInSettings.objects.create(site=call.get_site(), password_login=False)
    invite(programme_client, review_round)
    link = invitation_link(mail.outbox[0])
    jeanne = User.objects.get(last_name="Externe")
    browser = Client()
    page = browser.get(link)
    assert 'name="new_password1"' not in page.content.decode()
    assert "on se connecte avec ProConnect" in html.unescape(page.content.decode())
    refused = set_password(browser, link)
    assert refused.status_code == 403
    assert "désactivée pour ce compte" in html.unescape(refused.content.decode())
    jeanne.refresh_from_db()
    assert not jeanne.has_usable_password()
    assert "_auth_user_id" not in browser.session
    assert JuryInvitation.objects.get(user=jeanne).accepted_at is None
    # Signing in (as with ProConnect) accepts it.
    browser.force_login(jeanne)
    assert JuryInvitation.objects.get(user=jeanne).accepted_at is not None


def test_a_session_owing_its_code_is_held_on_the_invitation_link(
    programme_client, review_round, settings
):
    """The second factor holds the invitation link too: a session that gave its
    password but not yet its code is sent to the code page."""
    invite(programme_client, review_round)
    link = invitation_link(mail.outbox[0])
    jeanne = User.objects.get(last_name="Externe")
    jeanne.set_password(PASSWORD)
    jeanne.save()
    TOTPDevice.objects.create(user=jeanne, name="app", confirmed=True)
    browser = Client()
    browser.post("/admin/login/", {"username": jeanne.username, "password": PASSWORD})
    assert browser.session["_auth_user_id"] == str(jeanne.pk)
    held = browser.get(link)
    assert held.status_code == 302
    assert held["Location"].startswith("/admin/securite/verification/")
