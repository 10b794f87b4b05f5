"""Decision emails: written by the team, previewed, prepared, sent only when released."""

import re

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

    read = {"upto": notification.pk, "expected": 1}
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(url, {"call": call.pk, "action": "release", **read})
    assert mail.outbox == [], "not without the team saying it read them"
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(url, {"call": call.pk, "action": "release", "confirm": "1", **read})
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


def test_only_the_emails_the_team_read_are_sent(
    client, paula, template, refused, call, form_page
):
    """Prepared meanwhile by someone else, or listed past those shown: sent only once
    the team has them in front of it, and said so."""

    client.force_login(paula)
    url = f"/admin/courriels-de-decision/?call={call.pk}"
    client.post(
        url, {"call": call.pk, "status": "not_preselected", "action": "prepare"}
    )
    page = client.get(url).content.decode()
    upto = re.search(r'name="upto" value="(\d+)"', page).group(1)
    expected = re.search(r'name="expected" value="(\d+)"', page).group(1)
    assert expected == "1"

    # Another member prepares one more before the release.
    other = CandidatureFactory(page=form_page, applicant_email="autre@example.org")
    change_status(other, "eligible", user=paula)
    change_status(other, "not_preselected", user=paula, reason="hors sujet")
    client.post(
        url, {"call": call.pk, "status": "not_preselected", "action": "prepare"}
    )
    assert Notification.objects.filter(state="prepared").count() == 2

    # The release the team confirmed for the one it read: that one only.
    release = {"call": call.pk, "action": "release", "confirm": "1"}
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(url, {**release, "upto": upto, "expected": expected})
    assert [m.to for m in mail.outbox] == [[refused.applicant_email]]
    assert Notification.objects.filter(state="prepared").count() == 1

    # A stale count (one withdrawn meanwhile): nothing leaves.
    mail.outbox.clear()
    last = Notification.objects.get(state="prepared")
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            url, {**release, "upto": last.pk, "expected": 2}, follow=True
        )
    assert mail.outbox == []
    assert "ont changé depuis votre lecture" in response.content.decode()
    assert Notification.objects.get(pk=last.pk).state == "prepared"


def test_every_prepared_email_can_be_reread_page_by_page(
    client, paula, template, call, form_page
):
    """Fifty a page, in the order they were prepared; the release sends them all."""
    for index in range(52):
        candidature = CandidatureFactory(
            page=form_page,
            status="eligible",
            applicant_email=f"agent{index}@exemple.fr",
        )
        change_status(candidature, "not_preselected", user=paula, reason="hors sujet")
    client.force_login(paula)
    url = f"/admin/courriels-de-decision/?call={call.pk}"
    client.post(
        url, {"call": call.pk, "status": "not_preselected", "action": "prepare"}
    )
    prepared = list(
        Notification.objects.order_by("pk").values_list(
            "candidature__applicant_email", flat=True
        )
    )
    shown = re.compile(r"— (agent\d+@exemple\.fr) —")
    first = client.get(url).content.decode()
    assert shown.findall(first) == prepared[:50]
    assert "Courriels 1 à 50 sur 52" in first
    # Each page by its number, keeping the call.
    assert re.search(rf'href="\?call={call.pk}&amp;p=2"[^>]*>\s*2\s*</a>', first)
    second = client.get(url + "&p=2").content.decode()
    assert shown.findall(second) == prepared[50:]
    assert "Courriels 51 à 52 sur 52" in second
    assert shown.findall(client.get(url + "&p=99").content.decode()) == prepared[50:]

    upto = re.search(r'name="upto" value="(\d+)"', first).group(1)
    release = {"call": call.pk, "action": "release", "confirm": "1", "upto": upto}
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(url, {**release, "expected": "52"})
    assert sorted(m.to[0] for m in mail.outbox) == sorted(prepared)
