import pytest
from django.test import Client

from forms.factories import CandidatureFactory
from selection.models import ReviewRound, RoundMember
from tests.users import member_of


@pytest.fixture
def criteria(call):
    return list(call.criteria.all())  # weights 2, 1, 1; scales 0–5, 0–5, 0–10


@pytest.fixture
def jurors(db):
    """Four jury members, with their own mail domain (no likely conflict)."""
    return [
        member_of("Jury", name, f"{name}@jury.example.org")
        for name in ("alice", "bruno", "chloe", "david")
    ]


@pytest.fixture
def dossiers(form_page):
    return [
        CandidatureFactory(
            page=form_page,
            status="eligible",
            reference=f"TST-2026-{i:04d}",
            applicant_name=f"Agent Numero{i}",
            applicant_email=f"agent{i}@ville{i}.example.fr",
            administration=f"Commune de Villeneuve{i}",
            service="",
        )
        for i in range(1, 7)
    ]


@pytest.fixture
def review_round(call, jurors, dossiers):
    review_round = ReviewRound.objects.create(
        call=call,
        kind="preselection",
        assignment="per_dossier",
        reviewers_per_dossier=2,
    )
    for juror in jurors:
        RoundMember.objects.create(round=review_round, user=juror)
    review_round.candidatures.add(*dossiers)
    return review_round


def as_user(user):
    client = Client()
    client.force_login(user)
    return client


def scores_form(criteria, values, action="submit", comment="", conflict=False):
    data = {f"score_{c.pk}": v for c, v in zip(criteria, values, strict=True)}
    data.update(comment=comment, action=action)
    if conflict:
        data["conflict_of_interest"] = "on"
    return data
