"""Nothing a selection rests on is deleted without trace, whatever asks for it.

Each test asks as its user would (the admin's screens, Wagtail's API with a
token, a bulk action), then reads the database back.
"""

import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from wagtail.models import APIToken, ModelLogEntry, Page, PageLogEntry, Site

from core.deletion import DeletionRefused
from forms.choices import Status
from forms.factories import CandidatureFactory
from forms.models import Candidature, CandidatureStatusChange
from forms.services import change_status
from investigations.models import Investigation, Organisation, Phase
from selection.models import (
    Evaluation,
    Notification,
    NotificationTemplate,
    ReviewRound,
    RoundMember,
)
from tests.incubators import add_second_incubator
from tests.users import member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def candidature(form_page):
    return CandidatureFactory(page=form_page, status=Status.ELIGIBLE)


@pytest.fixture
def admin_client(client, db):
    client.force_login(User.objects.create_superuser("root", "root@example.org", "x"))
    return client


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def scored(call, candidature):
    """A round where a juror submitted an evaluation of the candidature."""
    juror = member_of("Jury", "alice")
    review_round = ReviewRound.objects.create(call=call, kind="preselection")
    RoundMember.objects.create(round=review_round, user=juror)
    review_round.candidatures.add(candidature)
    Evaluation.objects.create(
        round=review_round,
        candidature=candidature,
        member=juror,
        scores={str(c.pk): 3 for c in call.criteria.all()},
        submitted_at=timezone.now(),
    )
    return review_round, juror


# Wagtail's stock « Formulaires » screens ---------------------------------------


def test_the_stock_form_screens_neither_list_delete_nor_export_candidatures(
    programme_client, form_page, candidature
):
    listing = programme_client.get("/admin/forms/")
    assert candidature.reference not in listing.content.decode()
    assert form_page.title not in listing.content.decode()
    submissions = f"/admin/forms/submissions/{form_page.pk}/"
    for response in (
        programme_client.get(submissions),
        programme_client.get(submissions, {"export": "csv"}),
        programme_client.post(
            f"{submissions}delete/?selected-submissions={candidature.pk}"
        ),
    ):
        # Wagtail's « permission denied »: back to the dashboard, nothing shown.
        assert response.status_code in (302, 403, 404)
        assert candidature.reference not in response.content.decode()
    assert Candidature.objects.filter(pk=candidature.pk).exists()


def test_a_superuser_cannot_use_them_either(admin_client, form_page, candidature):
    admin_client.post(
        f"/admin/forms/submissions/{form_page.pk}/delete/"
        f"?selected-submissions={candidature.pk}"
    )
    assert Candidature.objects.filter(pk=candidature.pk).exists()


# Candidatures --------------------------------------------------------------------


def test_a_candidature_is_never_deleted_even_by_code(candidature, scored):
    alone = CandidatureFactory(page=candidature.page)
    refused = pytest.raises(DeletionRefused, match="retirez-la ou annulez-la")
    with refused, transaction.atomic():
        alone.delete()
    # With evaluations, the database refuses first (they are PROTECTed).
    with pytest.raises((DeletionRefused, ProtectedError)), transaction.atomic():
        Candidature.objects.filter(pk=candidature.pk).delete()
    assert Candidature.objects.filter(pk__in=[alone.pk, candidature.pk]).count() == 2
    assert Candidature.objects.filter(pk=candidature.pk).exists()
    assert Evaluation.objects.filter(candidature=candidature).count() == 1


def test_the_team_cancels_a_candidature_with_a_reason_and_keeps_it(
    programme_client, candidature
):
    url = f"/admin/candidatures/edit/{candidature.pk}/"
    refused = programme_client.post(url, {"status": "cancelled", "reason": " "})
    assert refused.status_code == 200
    assert "Indiquez le motif" in refused.content.decode()
    candidature.refresh_from_db()
    assert candidature.status == Status.ELIGIBLE

    programme_client.post(url, {"status": "cancelled", "reason": "Doublon de 0041"})
    candidature.refresh_from_db()
    assert candidature.status == Status.CANCELLED
    change = CandidatureStatusChange.objects.get(candidature=candidature)
    assert (change.to_status, change.reason) == ("cancelled", "Doublon de 0041")
    inspect = programme_client.get(f"/admin/candidatures/inspect/{candidature.pk}/")
    assert "Annulée" in inspect.content.decode()
    # Cancelled is final: nothing follows it.
    with pytest.raises(Exception, match="ne peut pas passer"):
        change_status(candidature, Status.ELIGIBLE, reason="erreur")


# Pages -----------------------------------------------------------------------


@pytest.mark.parametrize("which", ["form_page", "call", "programme"])
def test_pages_holding_candidatures_are_kept_with_a_french_message(
    admin_client, candidature, which, form_page, call, programme
):
    page = {"form_page": form_page, "call": call, "programme": programme}[which]
    confirm = admin_client.get(f"/admin/pages/{page.pk}/delete/")
    assert confirm.status_code == 302
    assert any("porte des candidatures" in m for m in messages_of(confirm))
    admin_client.post(f"/admin/pages/{page.pk}/delete/")
    assert Page.objects.filter(pk=page.pk).exists()
    assert Candidature.objects.filter(pk=candidature.pk).exists()
    assert not PageLogEntry.objects.filter(action="wagtail.delete").exists()


def test_bulk_deletion_of_pages_is_refused_too(admin_client, candidature, call):
    response = admin_client.post(
        f"/admin/bulk/wagtailcore/page/delete/?id={call.pk}", {}
    )
    assert response.status_code == 302
    assert Page.objects.filter(pk=call.pk).exists()


def test_the_api_refuses_to_delete_a_form_page_and_logs_nothing(
    client, form_page, candidature
):
    root = User.objects.create_superuser("api", "api@example.org", "x")
    token = APIToken.create_token(user=root, name="script")
    plaintext = token if isinstance(token, str) else token[1]
    response = client.delete(
        f"/api/v3/pages/{form_page.pk}/", HTTP_AUTHORIZATION=f"Bearer {plaintext}"
    )
    assert response.status_code in (403, 409)
    assert "candidature" in response.json()["detail"]
    assert Page.objects.filter(pk=form_page.pk).exists()
    assert not PageLogEntry.objects.filter(action="wagtail.delete").exists()


def test_an_empty_call_may_still_be_deleted(admin_client, call):
    assert admin_client.get(f"/admin/pages/{call.pk}/delete/").status_code == 200
    admin_client.post(f"/admin/pages/{call.pk}/delete/")
    assert not Page.objects.filter(pk=call.pk).exists()


# Rounds, templates, people -------------------------------------------------------


def test_a_round_is_kept_once_someone_scored_in_it(programme_client, scored):
    review_round, _juror = scored
    url = f"/admin/tours/delete/{review_round.pk}/"
    response = programme_client.get(url)
    assert response.status_code == 302
    assert any("compte 1 évaluation :" in m for m in messages_of(response))
    programme_client.post(url)
    assert ReviewRound.objects.filter(pk=review_round.pk).exists()
    with pytest.raises((DeletionRefused, ProtectedError)), transaction.atomic():
        review_round.delete()


def test_a_round_nobody_scored_in_may_be_deleted(programme_client, call):
    review_round = ReviewRound.objects.create(call=call, kind="selection")
    url = f"/admin/tours/delete/{review_round.pk}/"
    assert programme_client.get(url).status_code == 200
    programme_client.post(url)
    assert not ReviewRound.objects.filter(pk=review_round.pk).exists()
    assert ModelLogEntry.objects.filter(action="wagtail.delete").exists()


def test_a_used_email_template_is_kept(programme_client, call, candidature):
    template = NotificationTemplate.objects.create(
        call=call, status=Status.ELIGIBLE, subject="Recevable", body="Bonjour {nom}"
    )
    Notification.objects.create(
        candidature=candidature,
        template=template,
        status=Status.ELIGIBLE,
        subject="Recevable",
        body="Bonjour",
        state=Notification.State.SENT,
    )
    url = f"/admin/modeles-de-courriel/delete/{template.pk}/"
    response = programme_client.get(url)
    assert response.status_code == 302
    assert any("a servi à préparer 1 courriel" in m for m in messages_of(response))
    programme_client.post(url)
    assert NotificationTemplate.objects.filter(pk=template.pk).exists()


def test_people_who_scored_or_decided_are_deactivated_not_deleted(
    admin_client, scored, candidature, paula
):
    _round, juror = scored
    change_status(candidature, Status.PRESELECTED, user=paula)
    for person in (juror, paula):
        response = admin_client.post(f"/admin/users/delete/{person.pk}/")
        assert response.status_code == 302
        assert User.objects.filter(pk=person.pk).exists()
        assert any("Désactivez-le" in m for m in messages_of(response))
    newcomer = member_of("Jury", "nadia")
    admin_client.post(f"/admin/users/delete/{newcomer.pk}/")
    assert not User.objects.filter(pk=newcomer.pk).exists()


# Investigations, administrations, sites ----------------------------------------------


def test_an_investigation_with_history_is_kept_an_empty_one_may_go(
    programme_client, site
):
    Investigation.objects.create(title="Ouverte par erreur", problem_statement="…")
    kept = Investigation.objects.create(title="Voirie", problem_statement="…")
    Phase.objects.create(
        investigation=kept, code="investigation", starts_on=timezone.localdate()
    )
    empty = Investigation.objects.get(title="Ouverte par erreur")
    base = "/admin/snippets/investigations/investigation/delete/"
    response = programme_client.post(f"{base}{kept.pk}/")
    assert any("historique" in m for m in messages_of(response))
    assert Investigation.objects.filter(pk=kept.pk).exists()
    programme_client.post(f"{base}{empty.pk}/")
    assert not Investigation.objects.filter(pk=empty.pk).exists()


def test_an_administration_in_use_is_kept(programme_client, site):
    organisation = Organisation.objects.create(name="Préfecture du Nord", site=site)
    investigation = Investigation.objects.create(title="Voirie", problem_statement="…")
    investigation.organisations.add(organisation)
    programme_client.post(
        f"/admin/snippets/investigations/organisation/delete/{organisation.pk}/"
    )
    assert Organisation.objects.filter(pk=organisation.pk).exists()


def test_a_site_holding_candidatures_is_kept(admin_client, site, candidature):
    url = f"/admin/sites/delete/{site.pk}/"
    response = admin_client.post(url, HTTP_REFERER=f"http://testserver{url}")
    assert response.status_code == 302
    assert response["Location"] == "/admin/sites/", (
        "back to the list, not the dashboard"
    )
    assert any("candidature" in m for m in messages_of(response))
    assert Site.objects.filter(pk=site.pk).exists()


def test_a_token_that_may_not_delete_the_page_learns_nothing_of_it(
    client, form_page, candidature
):
    add_second_incubator()
    other_team = member_of("Communication — Fabrique de la Mer", "marin")
    token = APIToken.create_token(user=other_team, name="script")
    plaintext = token if isinstance(token, str) else token[1]
    assert (
        not Page.objects.get(pk=form_page.pk)
        .permissions_for_user(other_team)
        .can_delete()
    )
    response = client.delete(
        f"/api/v3/pages/{form_page.pk}/", HTTP_AUTHORIZATION=f"Bearer {plaintext}"
    )
    assert response.status_code in (403, 404)
    assert "candidature" not in response.content.decode()
    assert Page.objects.filter(pk=form_page.pk).exists()


def test_an_investigations_history_cannot_be_emptied_to_delete_it(
    programme_client, site, candidature
):
    """Two steps (empty its record, then delete it) do not go round the rule."""
    from bs4 import BeautifulSoup

    from investigations.models import CommitteeEvent

    investigation = Investigation.objects.create(
        title="Voirie", problem_statement="…", candidature=candidature, outcome="stop"
    )
    Phase.objects.create(
        investigation=investigation,
        code="investigation",
        starts_on=timezone.localdate(),
    )
    CommitteeEvent.objects.create(
        investigation=investigation, date=timezone.localdate(), decision="continue"
    )
    url = f"/admin/snippets/investigations/investigation/edit/{investigation.pk}/"
    soup = BeautifulSoup(programme_client.get(url).content, "html.parser")
    data = {
        tag["name"]: tag.get("value", "")
        for tag in soup.select("form input[name]")
        if tag.get("type") not in ("checkbox", "radio", "file")
    }
    for textarea in soup.select("form textarea[name]"):
        data[textarea["name"]] = textarea.get_text().strip()
    for select in soup.select("form select[name]"):
        option = select.select_one("option[selected]")
        data[select["name"]] = option["value"] if option else ""
    data.update(
        {
            "candidature": "",
            "outcome": "",
            "phases-0-DELETE": "1",
            "committee_events-0-DELETE": "1",
        }
    )
    response = programme_client.post(url, data)
    assert response.status_code == 200
    said = BeautifulSoup(response.content, "html.parser").get_text(" ")
    assert "ne s'efface plus" in said and "ne se supprime pas" in said
    investigation.refresh_from_db()
    assert investigation.candidature_id == candidature.pk and investigation.outcome
    assert investigation.phases.count() == 1
    assert investigation.committee_events.count() == 1
