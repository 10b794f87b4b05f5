"""Each export's columns are declared once, as Fields: header and cells always agree.

Every sheet is written by the XLSX writer and read back with openpyxl; each
value is checked under its header by name, so a cell that slid one column,
a header without its cell or a cell without its header fails.
"""

import datetime as dt
import io

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from import_export.fields import Field

from exports.ods import write_ods
from exports.resources import (
    CandidatureResource,
    EvaluationResource,
    InvestigationResource,
    RankingResource,
)
from exports.services import export_to
from exports.writers import write_csv
from exports.xlsx import write_xlsx
from forms.factories import CandidatureFactory
from forms.models import Candidature
from investigations.models import Funder, Investigation
from investigations.services import open_from_candidature
from selection.models import Evaluation, ReviewRound, RoundMember
from selection.scoring import criteria_of, criteria_summary, criteria_version

pytestmark = pytest.mark.django_db


def read_back(resource):
    """(headers, rows) of the XLSX file the resource exports, as openpyxl reads it."""
    output = io.BytesIO()
    export_to(resource, "xlsx", output)
    sheet = openpyxl.load_workbook(io.BytesIO(output.getvalue())).active
    headers, *rows = sheet.iter_rows(values_only=True)
    assert list(headers) == resource.headers()
    assert sheet.max_column == len(headers), "no cell beyond the last header"
    assert len(set(headers)) == len(headers), "names are unambiguous in this test"
    return list(headers), [dict(zip(headers, row, strict=True)) for row in rows]


def local(moment):
    return timezone.localtime(moment).replace(microsecond=0, tzinfo=None)


@pytest.fixture
def members():
    return [
        User.objects.create_user(
            f"membre{index}",
            f"membre{index}@example.org",
            "x",
            first_name="Membre",
            last_name=str(index),
        )
        for index in range(2)
    ]


@pytest.fixture
def scene(call, form_page, members):
    """Two candidatures; the first answered everything and is scored in two rounds."""
    full = CandidatureFactory(
        page=form_page,
        status="preselected",
        applicant_name="Camille Martin",
        applicant_email="camille@example.org",
        administration="Préfecture de l'Exemple",
        service="Accueil",
        form_data={
            "le_probleme": "Trois mois d'attente",
            "public_concerne": "Usagers",
            "idee": "Un agenda partagé",
            "pieces_jointes": ["a.pdf", "b.pdf"],
        },
    )
    sparse = CandidatureFactory(
        page=form_page,
        applicant_name="Dominique Petit",
        applicant_email="dominique@example.org",
        administration="Mairie",
        service="État civil",
        form_data={"le_probleme": "Des files", "public_concerne": "Agents"},
    )
    criteria = criteria_of(call)
    top = {str(c.pk): c.scale_max for c in criteria}
    bottom = {str(c.pk): c.scale_min for c in criteria}
    rounds = []
    for kind, scores in (("preselection", [top]), ("selection", [top, bottom])):
        review_round = ReviewRound.objects.create(call=call, kind=kind)
        review_round.candidatures.add(full, sparse)
        for member, member_scores in zip(members, scores, strict=False):
            RoundMember.objects.create(round=review_round, user=member)
            Evaluation.objects.create(
                round=review_round,
                candidature=full,
                member=member,
                scores=member_scores,
                comment=f"Avis de {member.username}",
                submitted_at=timezone.now(),
            )
        rounds.append(review_round)
    return {"full": full, "sparse": sparse, "rounds": rounds, "criteria": criteria}


def test_candidature_headers_and_cells_agree(scene, call):
    full, sparse = scene["full"], scene["sparse"]
    preselection, selection = scene["rounds"]
    version = criteria_version(scene["criteria"])
    resource = CandidatureResource(Candidature.objects.all())
    headers, rows = read_back(resource)
    first, second = (
        f"{preselection.get_kind_display()} : ",
        f"{selection.get_kind_display()} : ",
    )
    assert rows[0] == {
        "Référence": full.reference,
        "Reçue le": local(full.submit_time),
        "Statut": "Pré-sélectionnée",
        "Appel": call.title,
        "Nom": "Camille Martin",
        "Adresse électronique": "camille@example.org",
        "Administration": "Préfecture de l'Exemple",
        "Service": "Accueil",
        "Le problème": "Trois mois d'attente",
        "Public concerné": "Usagers",
        "Idée": "Un agenda partagé",
        "Pièces jointes": "a.pdf, b.pdf",
        f"{first}note pondérée /100 (critères v. {version})": 100,
        f"{first}évaluations": 1,
        f"{first}écart-type": 0,
        f"{second}note pondérée /100 (critères v. {version})": 50,
        f"{second}évaluations": 2,
        f"{second}écart-type": 50,
    }
    # Empty cells (no idea, no file, no score yet) stay in their column.
    assert rows[1] == dict.fromkeys(headers) | {
        "Référence": sparse.reference,
        "Reçue le": local(sparse.submit_time),
        "Statut": "Reçue",
        "Appel": call.title,
        "Nom": "Dominique Petit",
        "Adresse électronique": "dominique@example.org",
        "Administration": "Mairie",
        "Service": "État civil",
        "Le problème": "Des files",
        "Public concerné": "Agents",
        f"{first}évaluations": 0,
        f"{second}évaluations": 0,
    }


def test_evaluation_headers_and_cells_agree(scene, members):
    review_round = scene["rounds"][0]
    criteria = scene["criteria"]
    evaluation = Evaluation.objects.get(round=review_round)
    Evaluation.objects.filter(pk=evaluation.pk).update(
        scores={str(c.pk): value for c, value in zip(criteria, (5, 3, 7), strict=True)},
        criterion_comments={str(criteria[1].pk): "=Motivée"},
        reopened_count=2,
    )
    _headers, rows = read_back(EvaluationResource(review_round))
    assert rows == [
        {
            "Référence": scene["full"].reference,
            "Candidat ou candidate": "Camille Martin",
            "Membre": "Membre 0",
            "Adresse du membre": "membre0@example.org",
            "Ampleur du problème (0–5)": 5,
            "Motivation (0–5)": 3,
            "Idée de solution (0–10)": 7,
            # (5/5 × 2 + 3/5 × 1 + 7/10 × 1) / 4
            "Note pondérée /100": 82.5,
            "Commentaire": "Avis de membre0",
            # One column per criterion's comment, neutralised like every cell.
            "Commentaire — Ampleur du problème": None,
            "Commentaire — Motivation": "'=Motivée",
            "Commentaire — Idée de solution": None,
            "Conflit d'intérêts": "Non",
            "État": "Rendue",
            "Rendue le": local(evaluation.submitted_at),
            "Réouvertures": 2,
            "Critères": criteria_summary(criteria),
        }
    ]


def test_ranking_headers_and_cells_agree(scene):
    _headers, rows = read_back(RankingResource(scene["rounds"][1]))
    assert rows == [
        {
            "Rang": 1,
            "Référence": scene["full"].reference,
            "Candidat ou candidate": "Camille Martin",
            "Administration": "Préfecture de l'Exemple",
            "Statut": "Pré-sélectionnée",
            "Note pondérée /100": 50,
            "Évaluations": 2,
            "Écart-type": 50,
            "Désaccord": "Oui",
            "Réouvertures": 0,
            "Critères": criteria_summary(scene["criteria"]),
        },
        {
            "Rang": 2,
            "Référence": scene["sparse"].reference,
            "Candidat ou candidate": "Dominique Petit",
            "Administration": "Mairie",
            "Statut": "Reçue",
            "Note pondérée /100": None,
            "Évaluations": 0,
            "Écart-type": None,
            "Désaccord": "Non",
            "Réouvertures": 0,
            "Critères": criteria_summary(scene["criteria"]),
        },
    ]


def test_investigation_headers_and_cells_agree(scene):
    laureate = scene["full"]
    Candidature.objects.filter(pk=laureate.pk).update(status="selected")
    laureate.refresh_from_db()
    investigation, _created = open_from_candidature(laureate)
    funder = Funder.objects.create(site=investigation.site, name="Financeur national")
    Investigation.objects.filter(pk=investigation.pk).update(
        funder=funder,
        starts_on=dt.date(2026, 1, 5),
        planned_end=dt.date(2026, 3, 9),
        outcome="build_service",
        recommendations="Construire",
        conditions_of_success="Un référent",
        means_budget="50 000 €",
        means_skills="Un développeur",
        publish_learnings=True,
    )
    _headers, rows = read_back(
        InvestigationResource(Investigation.objects.filter(pk=investigation.pk))
    )
    assert rows == [
        {
            "Investigation": investigation.title,
            "Administrations": "Préfecture de l'Exemple",
            "Porteur ou porteuse": "Camille Martin",
            "Financeur": "Financeur national",
            "Phase en cours": "Investigation",
            "Début": dt.datetime(2026, 1, 5),
            "Fin prévue": dt.datetime(2026, 3, 9),
            "Issue": str(Investigation(outcome="build_service").get_outcome_display()),
            "Recommandations": "Construire",
            "Conditions de réussite": "Un référent",
            "Budget": "50 000 €",
            "Compétences": "Un développeur",
            "Enseignements publiés": "Oui",
        }
    ]


def test_a_field_added_or_removed_changes_headers_and_cells_alike(scene):
    """The Fields are the only declaration: no list of cells to keep in step by hand."""
    full = scene["full"]

    class WithPhone(CandidatureResource):
        contact = Field(attribute="applicant_email", column_name="Contact")

    resource = WithPhone(Candidature.objects.filter(pk=full.pk))
    del resource.fields["administration"]
    headers, rows = read_back(resource)
    assert "Administration" not in headers
    assert "Préfecture de l'Exemple" not in rows[0].values()
    assert rows[0]["Contact"] == "camille@example.org"
    assert headers.index("Contact") < headers.index("Le problème"), (
        "a declared Field comes before the form's columns"
    )


@pytest.mark.parametrize(
    "build",
    [
        lambda scene: CandidatureResource(Candidature.objects.all()),
        lambda scene: EvaluationResource(scene["rounds"][1]),
        lambda scene: RankingResource(scene["rounds"][1]),
        lambda scene: InvestigationResource(Investigation.objects.all()),
    ],
    ids=["candidatures", "evaluations", "ranking", "investigations"],
)
def test_django_import_export_export_gives_the_same_sheet(scene, build):
    """Resource.export(), one cell at a time, agrees with the streaming rows()."""
    Candidature.objects.filter(pk=scene["full"].pk).update(status="selected")
    open_from_candidature(Candidature.objects.get(pk=scene["full"].pk))
    resource = build(scene)
    dataset = resource.export()
    assert dataset.headers == resource.headers()
    assert [list(row) for row in dataset] == list(resource.rows())
    assert len(dataset) > 0


@pytest.mark.parametrize("write", [write_xlsx, write_csv, write_ods])
@pytest.mark.parametrize("row", [["a"], ["a", "b", "c"]])
def test_a_row_that_does_not_fit_the_headers_is_refused(write, row):
    with pytest.raises(ValueError):
        write(["A", "B"], [["a", "b"], row], io.BytesIO())
