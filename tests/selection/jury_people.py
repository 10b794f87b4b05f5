"""A round of three dossiers with two jurors, and helpers to act as them (tests of the jury).

The fixtures are imported by name (``alice_fixture``…) into each test module,
where they take precedence over those of a conftest with the same names.
"""

import re

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from forms.factories import CandidatureFactory
from selection.models import Evaluation, ReviewRound, RoundMember
from tests.users import member_of

LINK = re.compile(r"http://testserver(/admin/invitation-jury/[^/\s]+/)")


@pytest.fixture(name="criteria")
def criteria_fixture(call):
    return list(call.criteria.all())  # weights 2, 1, 1; scales 0–5, 0–5, 0–10


@pytest.fixture(name="alice")
def alice_fixture(db):
    return member_of("Jury", "alice")


@pytest.fixture(name="bruno")
def bruno_fixture(db):
    return member_of("Jury", "bruno")


@pytest.fixture(name="dossiers")
def dossiers_fixture(form_page):
    return [
        CandidatureFactory(
            page=form_page,
            status="eligible",
            reference=f"TST-2026-{i:04d}",
            applicant_name=f"Agent {i}",
        )
        for i in (1, 2, 3)
    ]


@pytest.fixture(name="review_round")
def review_round_fixture(call, alice, bruno, dossiers):
    review_round = ReviewRound.objects.create(call=call, kind="preselection")
    for juror in (alice, bruno):
        RoundMember.objects.create(round=review_round, user=juror)
    review_round.candidatures.add(*dossiers)
    return review_round


def as_member(user):
    client = Client()
    client.force_login(user)
    return client


def evaluate(review_round, dossier, member, values, criteria, *, submit=True):
    return Evaluation.objects.create(
        round=review_round,
        candidature=dossier,
        member=member,
        scores={str(c.pk): v for c, v in zip(criteria, values, strict=True)},
        submitted_at=timezone.now() if submit else None,
    )


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def invitation_link(email):
    """The path of the invitation link in an email's text part."""
    match = LINK.search(email.body)
    assert match, email.body
    return match.group(1)
