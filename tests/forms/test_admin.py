"""The programme team's screens, and who may reach them."""

import pytest
from bs4 import BeautifulSoup
from wagtail.models import ModelLogEntry

from forms.models import Candidature, CandidatureStatusChange
from tests.users import member_of

from .helpers import PDF, answers, post_form, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def candidature(client, form_page):
    post_form(client, form_page, files={"pieces_jointes": upload("note.pdf", PDF)})
    return Candidature.objects.get()


def test_programme_team_lists_filters_and_searches(
    programme_client, form_page, candidature
):
    post_form(
        programme_client,
        form_page,
        answers(identity_administration="Mairie de Test", le_probleme="Cantine"),
    )
    listing = programme_client.get("/admin/candidatures/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert candidature.reference in html
    by_admin = programme_client.get(
        "/admin/candidatures/", {"administration": "mairie"}
    ).content.decode()
    assert "Mairie de Test" in by_admin and candidature.reference not in by_admin
    by_answer = programme_client.get(
        "/admin/candidatures/", {"q": "trois mois"}
    ).content.decode()
    assert candidature.reference in by_answer and "Mairie de Test" not in by_answer
    by_status = programme_client.get(
        "/admin/candidatures/", {"status": "eligible"}
    ).content.decode()
    assert candidature.reference not in by_status


def test_inspect_shows_answers_in_form_order_with_attachment(
    programme_client, candidature
):
    response = programme_client.get(f"/admin/candidatures/inspect/{candidature.pk}/")
    soup = BeautifulSoup(response.content, "html.parser")
    labels = [dt.get_text(strip=True) for dt in soup.select("dl.amorce-answers dt")]
    assert labels == ["Le problème", "Public concerné", "Idée", "Pièces jointes"]
    link = soup.find("a", string="note.pdf")
    download = programme_client.get(link["href"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    change = soup.find("a", string="Changer le statut")
    assert change["href"] == f"/admin/candidatures/edit/{candidature.pk}/"


def test_hostile_answer_is_shown_as_text(programme_client, form_page):
    post_form(
        programme_client,
        form_page,
        answers(le_probleme="<script>alert('x')</script><b>gras</b>"),
    )
    candidature = Candidature.objects.get()
    html = programme_client.get(
        f"/admin/candidatures/inspect/{candidature.pk}/"
    ).content.decode()
    assert "<script>alert(" not in html
    assert "&lt;script&gt;alert(" in html


def test_status_change_needs_a_reason_for_a_refusal_and_is_logged(
    programme_client, candidature
):
    url = f"/admin/candidatures/edit/{candidature.pk}/"
    refused = programme_client.post(url, {"status": "ineligible", "reason": ""})
    assert refused.status_code == 200
    assert "Indiquez le motif de cette décision." in refused.content.decode()
    candidature.refresh_from_db()
    assert candidature.status == "received"

    done = programme_client.post(
        url, {"status": "ineligible", "reason": "Hors périmètre"}
    )
    assert done.status_code == 302
    candidature.refresh_from_db()
    assert candidature.status == "ineligible"
    change = CandidatureStatusChange.objects.get()
    assert (change.from_status, change.to_status, change.reason) == (
        "received",
        "ineligible",
        "Hors périmètre",
    )
    entry = ModelLogEntry.objects.get(action="amorce.candidature.status")
    assert entry.data["reason"] == "Hors périmètre"
    history = programme_client.get(
        f"/admin/candidatures/history/{candidature.pk}/"
    ).content.decode()
    assert "Reçue → Irrecevable" in history


def test_a_status_cannot_jump_the_process(programme_client, candidature):
    response = programme_client.post(
        f"/admin/candidatures/edit/{candidature.pk}/", {"status": "selected"}
    )
    assert response.status_code == 200
    candidature.refresh_from_db()
    assert candidature.status == "received"


@pytest.mark.parametrize("group_name", ["Communication", "Jury"])
def test_communication_and_jury_cannot_reach_candidatures(
    client, candidature, form_page, group_name
):
    """Nothing: not the list, not the dossier, not the file, not Wagtail's form submissions."""
    client.force_login(member_of(group_name, "someone"))
    attachment = candidature.attachments.get()
    for url in (
        "/admin/candidatures/",
        f"/admin/candidatures/inspect/{candidature.pk}/",
        f"/admin/candidatures/edit/{candidature.pk}/",
        attachment.get_absolute_url(),
        f"/admin/forms/submissions/{form_page.pk}/",
    ):
        response = client.get(url)
        assert response.status_code in (302, 403, 404), url
        assert candidature.applicant_name.encode() not in response.content
    forms_index = client.get("/admin/forms/")
    assert form_page.title.encode() not in forms_index.content


def test_anonymous_cannot_download_a_file(client, candidature):
    response = client.get(candidature.attachments.get().get_absolute_url())
    assert response.status_code == 302
    assert "/login/" in response.url


def test_files_are_not_under_a_public_url(client, candidature, settings):
    attachment = candidature.attachments.get()
    assert not attachment.file.name.startswith(settings.MEDIA_URL.strip("/"))
    assert client.get(settings.MEDIA_URL + attachment.file.name).status_code == 404


def test_dashboard_shows_open_calls_with_counts(programme_client, candidature):
    html = programme_client.get("/admin/").content.decode()
    assert "Appels en cours" in html
    soup = BeautifulSoup(html, "html.parser")
    panel = soup.select_one("section[aria-labelledby='amorce-open-calls-title']")
    row = panel.find("a", string=candidature.call.title).find_parent("tr")
    assert [td.get_text(strip=True) for td in row.select("td")][2:] == ["1", "1", "1"]


def test_dashboard_panel_hidden_from_communication(client, candidature):
    client.force_login(member_of("Communication", "comm"))
    assert "Appels en cours" not in client.get("/admin/").content.decode()


def test_nobody_adds_or_deletes_candidatures_in_the_admin(admin_client, candidature):
    """Not even a superuser: candidatures come from applicants; erasure has its own command."""
    assert admin_client.get("/admin/candidatures/new/").status_code in (302, 403)
    assert admin_client.post(
        f"/admin/candidatures/delete/{candidature.pk}/"
    ).status_code in (302, 403)
    assert Candidature.objects.filter(pk=candidature.pk).exists()
    assert (
        "/admin/candidatures/new/"
        not in admin_client.get("/admin/candidatures/").content.decode()
    )


def test_history_says_from_which_status_to_which_and_why(programme_client, candidature):
    programme_client.post(
        f"/admin/candidatures/edit/{candidature.pk}/",
        {"status": "ineligible", "reason": "Hors périmètre"},
    )
    html = programme_client.get(
        f"/admin/candidatures/history/{candidature.pk}/"
    ).content.decode()
    assert "Reçue → Irrecevable" in html
    assert "Hors périmètre" in html
