"""The columns of an export, chosen in the admin, saved per user and per call.

Everything goes through the admin's own views with the test client: the
choice page, then the export it changes.
"""

import io

import openpyxl
import pytest
from django.urls import reverse

from cms_pages.factories import CallPageFactory
from exports.models import ExportColumnChoice
from forms.factories import CandidatureFactory
from tests.incubators import add_second_incubator
from tests.users import member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def dossiers(form_page):
    return [
        CandidatureFactory(
            page=form_page,
            applicant_name=f"Personne {index}",
            form_data={"le_probleme": "Des files", "public_concerne": "Agents"},
        )
        for index in range(2)
    ]


def choice_url(call, kind="candidatures"):
    return reverse("exports:columns", args=[kind, call.pk])


def exported_headers(client, **filters):
    response = client.get("/admin/exports/candidatures/", {"format": "xlsx", **filters})
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [cell.value for cell in book.active[1]]


def test_the_page_lists_every_column_checked(programme_client, call, dossiers):
    response = programme_client.get(choice_url(call))
    assert response.status_code == 200
    html = response.content.decode()
    for label in ("Référence", "Reçue le", "Le problème", "Pièces jointes"):
        assert label in html
    assert html.count('type="checkbox"') == html.count("checked")


def test_a_saved_choice_shapes_this_users_exports_of_this_call(
    programme_client, paula, call, dossiers
):
    """Saved, applied to the next exports (in the resource's order), and shown checked."""
    response = programme_client.post(
        choice_url(call), {"columns": ["answer__le_probleme", "reference"]}
    )
    assert response.status_code == 302
    choice = ExportColumnChoice.objects.get(user=paula, call=call, kind="candidatures")
    assert sorted(choice.columns) == ["answer__le_probleme", "reference"]
    assert exported_headers(programme_client, call=call.pk) == [
        "Référence",
        "Le problème",
    ]
    # The list not filtered: its candidatures are all of this call, the choice applies.
    assert exported_headers(programme_client) == ["Référence", "Le problème"]
    page = programme_client.get(choice_url(call)).content.decode()
    assert page.count("checked") == 2


def test_another_user_and_another_call_are_unaffected(
    client, programme_client, paula, call, programme, dossiers
):
    programme_client.post(choice_url(call), {"columns": ["reference"]})
    other_call = CallPageFactory(parent=programme, slug="autre-appel", title="Autre")
    response = programme_client.get(choice_url(other_call))
    assert response.status_code == 200
    assert not ExportColumnChoice.objects.filter(call=other_call).exists()

    pierre = member_of("Équipe programme", "pierre")
    client.force_login(pierre)
    headers = exported_headers(client, call=call.pk)
    assert headers[:3] == ["Référence", "Reçue le", "Statut"]
    assert "Le problème" in headers


def test_unknown_or_removed_columns_are_ignored(
    programme_client, paula, call, dossiers
):
    """A saved column the export no longer has is skipped; none left means all columns."""
    ExportColumnChoice.objects.create(
        user=paula,
        call=call,
        kind="candidatures",
        columns=["reference", "answer__champ_supprime", "round999_mean"],
    )
    assert exported_headers(programme_client, call=call.pk) == ["Référence"]
    ExportColumnChoice.objects.filter(user=paula).update(columns=["answer__disparu"])
    headers = exported_headers(programme_client, call=call.pk)
    assert "Référence" in headers and "Le problème" in headers
    assert programme_client.get(choice_url(call)).status_code == 200


def test_bad_input_is_refused_in_french_and_saves_nothing(
    programme_client, call, dossiers
):
    response = programme_client.post(choice_url(call), {"columns": []})
    assert response.status_code == 200
    assert "Cochez au moins une colonne." in response.content.decode()
    response = programme_client.post(
        choice_url(call), {"columns": ["reference", "applicant_password"]}
    )
    assert response.status_code == 200
    assert "n&#x27;est pas une colonne de cet export" in response.content.decode()
    assert not ExportColumnChoice.objects.exists()


def test_reset_goes_back_to_every_column(programme_client, paula, call, dossiers):
    programme_client.post(choice_url(call), {"columns": ["reference"]})
    response = programme_client.post(choice_url(call), {"reset": "1"})
    assert response.status_code == 302
    assert not ExportColumnChoice.objects.filter(user=paula).exists()
    assert len(exported_headers(programme_client, call=call.pk)) > 2


def test_a_choice_never_grants_access(client, call, dossiers):
    """Without the programme team's rights: refused (Wagtail turns the 403 into a
    redirect to the dashboard); a call of another site: 404."""
    juror = member_of("Jury", "julien")
    client.force_login(juror)
    for response in (
        client.get(choice_url(call)),
        client.post(choice_url(call), {"columns": ["reference"]}),
    ):
        assert (response.status_code, response.url) == (302, "/admin/")
    assert not ExportColumnChoice.objects.exists()

    _site, sea_call = add_second_incubator()
    sea_team = member_of("Équipe programme — Fabrique de la Mer", "marin")
    client.force_login(sea_team)
    assert client.get(choice_url(call)).status_code == 404
    assert client.post(choice_url(call), {"columns": ["reference"]}).status_code == 404
    assert client.get(choice_url(sea_call)).status_code == 200
    assert (
        client.get(
            reverse("exports:columns", args=["nimporte", sea_call.pk])
        ).status_code
        == 404
    )


def test_the_candidature_list_links_to_the_choice(programme_client, call, dossiers):
    html = programme_client.get(
        reverse("candidatures:index"), {"call": call.pk}
    ).content.decode()
    assert choice_url(call) in html
    html = programme_client.get(reverse("candidatures:index")).content.decode()
    assert reverse("exports:columns_calls", args=["candidatures"]) in html
    calls = programme_client.get(
        reverse("exports:columns_calls", args=["candidatures"])
    ).content.decode()
    assert choice_url(call) in calls


def test_round_exports_apply_the_choice_of_their_call(
    programme_client, paula, call, dossiers
):
    from selection.models import ReviewRound

    assert programme_client.get(choice_url(call, "evaluations")).status_code == 404, (
        "no round yet: no evaluation columns to choose from"
    )
    review_round = ReviewRound.objects.create(call=call, kind="preselection")
    review_round.candidatures.add(*dossiers)
    page = programme_client.get(choice_url(call, "evaluations")).content.decode()
    assert "Ampleur du problème" in page and "Adresse du membre" in page
    response = programme_client.post(
        choice_url(call, "ranking"), {"columns": ["rank", "reference", "mean"]}
    )
    assert response.status_code == 302
    response = programme_client.get(
        f"/admin/exports/tours/{review_round.pk}/ranking/", {"format": "xlsx"}
    )
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert [c.value for c in book.active[1]] == [
        "Rang",
        "Référence",
        "Note pondérée /100",
    ]
    response = programme_client.get(
        f"/admin/exports/tours/{review_round.pk}/classeur/", {"format": "xlsx"}
    )
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert [c.value for c in book["Classement"][1]] == [
        "Rang",
        "Référence",
        "Note pondérée /100",
    ]
    assert len([c.value for c in book["Candidatures"][1]]) > 3, "not chosen: all"


def test_a_call_that_is_not_a_number_does_not_break_the_list(programme_client, call):
    """« ?call=² » (a digit to Python, not an id): the list answers, no server error."""
    response = programme_client.get(reverse("candidatures:index"), {"call": "²"})
    assert response.status_code == 200
    assert reverse("exports:columns_calls", args=["candidatures"]) in (
        response.content.decode()
    )
