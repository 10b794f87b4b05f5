"""A round « à l'aveugle »: its members read the dossiers without the applicant's
name, address and administration; the programme team still sees them; a likely
conflict of interest is still found, and told without its reason."""

import pytest

from forms.factories import CandidatureFactory, CandidatureFormPageFactory
from selection.models import Assignment, ReviewRound, RoundMember
from tests.exports.test_pdfs import text_of
from tests.users import member_of

from .conftest import as_user

pytestmark = pytest.mark.django_db

NAME = "Camille Dupontel"
EMAIL = "camille.dupontel@prefecture-exemple.gouv.fr"
ADMINISTRATION = "Prefecture de Exempleville"
IDENTITY = (NAME, "Dupontel", EMAIL, ADMINISTRATION, "prefecture-exemple")


@pytest.fixture
def blind_form(call):
    """The call's form, with a free text and a second address to reach the applicant."""
    return CandidatureFormPageFactory(
        parent=call,
        slug="candidater",
        fields=[
            {"label": "Le problème", "field_type": "multiline"},
            {"label": "Adresse du référent", "field_type": "email", "required": False},
        ],
    )


@pytest.fixture
def dossier(blind_form):
    return CandidatureFactory(
        page=blind_form,
        status="eligible",
        reference="TST-2026-0042",
        applicant_name=NAME,
        applicant_email=EMAIL,
        administration=ADMINISTRATION,
        service="",
        form_data={
            "le_probleme": "Moi, Camille Dupontel, je vois des dossiers perdus "
            "chaque semaine a la Prefecture de Exempleville.",
            "adresse_du_referent": "referent@prefecture-exemple.gouv.fr",
        },
    )


@pytest.fixture
def alice(db):
    return member_of("Jury", "alice", "alice@jury.example.org")


@pytest.fixture
def blind_round(call, alice, dossier):
    review_round = ReviewRound.objects.create(
        call=call, kind="preselection", blind=True
    )
    RoundMember.objects.create(round=review_round, user=alice)
    review_round.candidatures.add(dossier)
    return review_round


def leaks(text):
    return [term for term in IDENTITY if term.casefold() in text.casefold()]


def test_a_member_of_a_blind_round_reads_the_dossier_without_its_identity(
    alice, blind_round, dossier
):
    client = as_user(alice)
    listing = client.get(f"/admin/jury/{blind_round.pk}/").content.decode()
    assert dossier.reference in listing
    assert leaks(listing) == []
    page = client.get(f"/admin/jury/{blind_round.pk}/{dossier.pk}/").content.decode()
    assert dossier.reference in page
    assert "des dossiers perdus chaque semaine" in page, "the answer itself is read"
    assert leaks(page) == []
    assert "[masqué]" in page
    assert "Tour à l&#x27;aveugle" in page or "Tour à l'aveugle" in page


def test_a_member_of_a_blind_round_gets_pdfs_without_the_identity(
    alice, blind_round, dossier
):
    client = as_user(alice)
    pdf = client.get(f"/admin/exports/dossiers/{dossier.pk}/pdf/")
    assert pdf.status_code == 200
    _reader, text = text_of(pdf.content)
    assert "TST-2026-0042" in text and "perdus" in text
    assert leaks(text.replace("\n", " ")) == []
    book = client.get(
        f"/admin/exports/tours/{blind_round.pk}/cahier-du-jury/?membre=moi"
    )
    assert book.status_code == 200
    _reader, text = text_of(book.content)
    assert "TST-2026-0042" in text and "Exemplaire personnel pour Alice" in text
    assert leaks(text.replace("\n", " ")) == []


def test_the_programme_team_still_sees_who_applied(
    programme_client, blind_round, dossier
):
    ranking = programme_client.get(f"/admin/tours/{blind_round.pk}/classement/")
    html = ranking.content.decode()
    assert NAME in html and ADMINISTRATION in html
    assert "Tour à l&#x27;aveugle" in html or "Tour à l'aveugle" in html
    _reader, book = text_of(
        programme_client.get(
            f"/admin/exports/tours/{blind_round.pk}/cahier-du-jury/"
        ).content
    )
    assert "Dupontel" in book and "Exempleville" in book
    _reader, pdf = text_of(
        programme_client.get(f"/admin/exports/dossiers/{dossier.pk}/pdf/").content
    )
    assert "camille.dupontel@" in pdf and "referent@" in pdf


def test_the_same_member_sees_the_identity_in_a_round_that_is_not_blind(
    alice, blind_round, dossier
):
    blind_round.blind = False
    blind_round.save()
    client = as_user(alice)
    page = client.get(f"/admin/jury/{blind_round.pk}/{dossier.pk}/").content.decode()
    assert NAME in page and ADMINISTRATION in page
    pdf = client.get(f"/admin/exports/dossiers/{dossier.pk}/pdf/")
    _reader, text = text_of(pdf.content)
    assert "Dupontel" in text


def test_a_likely_conflict_is_still_found_and_told_without_its_reason(
    programme_client, call, blind_round, dossier
):
    colleague = member_of("Jury", "bastien", "bastien@prefecture-exemple.gouv.fr")
    RoundMember.objects.create(round=blind_round, user=colleague)
    client = as_user(colleague)
    listing = client.get(f"/admin/jury/{blind_round.pk}/").content.decode()
    page = client.get(f"/admin/jury/{blind_round.pk}/{dossier.pk}/").content.decode()
    for html in (listing, page):
        assert "intérêts probable" in html
        assert "le détail est masqué" in html
        assert "même domaine" not in html and "même administration" not in html
        assert NAME not in html and ADMINISTRATION not in html
    # Behind the scenes, the automatic assignment still avoids it.
    blind_round.assignment = "per_dossier"
    blind_round.reviewers_per_dossier = 2
    blind_round.save()
    programme_client.post(
        f"/admin/tours/{blind_round.pk}/attribution/", {"action": "auto"}
    )
    assert list(
        Assignment.objects.filter(round=blind_round).values_list(
            "member__username", flat=True
        )
    ) == ["alice"]


def test_what_others_wrote_and_the_ranking_reach_a_blind_member_masked(
    alice, blind_round, dossier, call
):
    """Comments, the discussion and the members' ranking mask the identity too."""
    from django.utils import timezone

    from selection.models import DiscussionComment, Evaluation

    bob = member_of("Jury", "bob", "bob@jury.example.org")
    RoundMember.objects.create(round=blind_round, user=bob)
    for member in (alice, bob):
        Evaluation.objects.create(
            round=blind_round,
            candidature=dossier,
            member=member,
            scores={str(c.pk): c.scale_max for c in call.criteria.all()},
            comment="Je connais Camille Dupontel (bob) : referent@prefecture-exemple.gouv.fr."
            if member == bob
            else "",
            submitted_at=timezone.now(),
        )
    DiscussionComment.objects.create(
        round=blind_round,
        candidature=dossier,
        author=bob,
        body="La Prefecture de Exempleville l'a déjà tenté.",
    )
    blind_round.closed_at = timezone.now()
    blind_round.members_see_ranking = True
    blind_round.save()
    client = as_user(alice)
    page = client.get(f"/admin/jury/{blind_round.pk}/{dossier.pk}/").content.decode()
    assert "Je connais [masqué] (bob) : [masqué]." in page
    assert "referent@" not in page  # an identifying answer, written again by a member
    assert "l&#x27;a déjà tenté" in page or "l'a déjà tenté" in page
    assert leaks(page) == []
    ranking = client.get(f"/admin/jury/{blind_round.pk}/classement/")
    assert ranking.status_code == 200
    html = ranking.content.decode()
    assert dossier.reference in html and leaks(html) == []


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("CV_Hélène_Lefèvre.pdf", "CV_[masqué]_[masqué].pdf"),
        ("CV_Helene_Lefevre.pdf", "CV_[masqué]_[masqué].pdf"),
        ("cv-HELENE-LEFEVRE.pdf", "cv-[masqué]-[masqué].pdf"),
        ("Lettre_motivation.pdf", "Lettre_motivation.pdf"),
    ],
)
def test_a_file_name_is_masked_with_or_without_its_accents(name, masked):
    """Applicants often save « CV_Helene_Lefevre.pdf » for Hélène Lefèvre: masked too."""
    from types import SimpleNamespace

    from selection.blind import identity_terms, mask_file_name

    candidature = SimpleNamespace(
        applicant_name="Hélène Lefèvre",
        applicant_email="helene.lefevre@example.gouv.fr",
        administration="",
        service="",
    )
    assert mask_file_name(name, identity_terms(candidature)) == masked


def test_a_blind_round_hides_phone_and_siret_answers_and_their_repetitions(call, alice):
    """A phone number or a SIRET says who applied as well as a name: hidden whole,
    and masked where the applicant writes it again, with or without its spaces."""
    form = CandidatureFormPageFactory(
        parent=call,
        slug="candidater-tel",
        fields=[
            {"label": "Le problème", "field_type": "multiline"},
            {"label": "Téléphone du référent", "field_type": "phone"},
            {"label": "SIRET du service", "field_type": "siret"},
        ],
    )
    phone, siret = "06 12 34 56 78", "13002526500013"
    candidature = CandidatureFactory(
        page=form,
        status="eligible",
        applicant_name=NAME,
        applicant_email=EMAIL,
        administration=ADMINISTRATION,
        form_data={
            "le_probleme": "Appelez le 0612345678 ou le 06 12 34 56 78 ; "
            "notre SIRET 130 025 265 00013, soit 13002526500013.",
            "telephone_du_referent": phone,
            "siret_du_service": siret,
        },
    )
    review_round = ReviewRound.objects.create(
        call=call, kind="preselection", blind=True
    )
    RoundMember.objects.create(round=review_round, user=alice)
    review_round.candidatures.add(candidature)

    page = (
        as_user(alice)
        .get(f"/admin/jury/{review_round.pk}/{candidature.pk}/")
        .content.decode()
    )
    assert "Appelez le" in page, "the answer itself is read"
    for leak in ("0612345678", "06 12 34 56 78", "13002526500013", "130 025 265"):
        assert leak not in page, leak
    assert page.count("[masqué]") >= 5
