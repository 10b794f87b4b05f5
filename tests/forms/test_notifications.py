"""Decision emails: written by the team, previewed, prepared, sent only when released."""

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail
from django.test import TestCase
from wagtail.models import ModelLogEntry

from forms.factories import CandidatureFactory
from forms.services import change_status
from selection.models import Notification, NotificationTemplate

pytestmark = pytest.mark.django_db


@pytest.fixture
def template(db):
    return NotificationTemplate.objects.create(
        status="not_preselected",
        subject="Votre candidature {reference}",
        body="Bonjour {nom},\n\nVotre projet pour « {appel} » n'a pas été retenu : {motif}.",
    )


@pytest.fixture
def refused(form_page, paula):
    candidature = CandidatureFactory(
        page=form_page, status="eligible", applicant_name="Léa Martin"
    )
    change_status(
        candidature, "not_preselected", user=paula, reason="périmètre trop large"
    )
    return candidature


def test_team_edits_and_previews_a_template(client, paula, template, refused):
    client.force_login(paula)
    assert (
        client.get(f"/admin/modeles-de-courriel/edit/{template.pk}/").status_code == 200
    )
    preview = client.get(
        f"/admin/modeles-de-courriel/{template.pk}/apercu/"
    ).content.decode()
    assert f"Votre candidature {refused.reference}" in preview
    assert "Bonjour Léa Martin" in preview


def test_emails_are_prepared_then_sent_only_when_released(
    client, paula, template, refused, call
):
    client.force_login(paula)
    url = f"/admin/courriels-de-decision/?call={call.pk}"
    client.post(
        url, {"call": call.pk, "status": "not_preselected", "action": "prepare"}
    )
    notification = Notification.objects.get()
    assert notification.state == "prepared"
    assert "périmètre trop large" in notification.body
    assert mail.outbox == [], "nothing leaves before the team releases it"
    assert refused.reference in client.get(url).content.decode()

    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(url, {"call": call.pk, "action": "release"})
    assert mail.outbox == [], "not without the team saying it read them"
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(url, {"call": call.pk, "action": "release", "confirm": "1"})
    notification.refresh_from_db()
    assert notification.state == "sent" and notification.sent_at
    assert [m.to for m in mail.outbox] == [[refused.applicant_email]]
    assert mail.outbox[0].subject == f"Votre candidature {refused.reference}"
    assert ModelLogEntry.objects.filter(
        action="amorce.candidature.notified", object_id=str(refused.pk)
    ).exists()

    client.post(
        url, {"call": call.pk, "status": "not_preselected", "action": "prepare"}
    )
    assert Notification.objects.count() == 1, "one email per decision"


def test_no_template_no_email(client, paula, refused, call):
    client.force_login(paula)
    response = client.post(
        f"/admin/courriels-de-decision/?call={call.pk}",
        {"call": call.pk, "status": "not_preselected", "action": "prepare"},
        follow=True,
    )
    assert "aucun modèle pour le statut" in response.content.decode()
    assert not Notification.objects.exists()


def test_communication_cannot_reach_notifications(client, template):
    user = User.objects.create_user("comm", "comm@example.org", "x")
    user.groups.add(Group.objects.get(name="Communication"))
    client.force_login(user)
    for url in (
        "/admin/courriels-de-decision/",
        "/admin/modeles-de-courriel/",
        f"/admin/modeles-de-courriel/{template.pk}/apercu/",
    ):
        assert client.get(url).status_code in (302, 403), url


def test_a_second_template_for_all_calls_is_refused_in_french(client, paula, template):
    client.force_login(paula)
    response = client.post(
        "/admin/modeles-de-courriel/new/",
        {
            "call": "",
            "status": "not_preselected",
            "subject": "Autre",
            "body": "Autre texte",
        },
    )
    assert response.status_code == 200
    assert (
        "Un modèle pour tous les appels du site existe déjà pour ce statut."
        in response.content.decode()
    )
    assert NotificationTemplate.objects.count() == 1
