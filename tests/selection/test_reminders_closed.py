"""A closed round takes no more evaluations: its members get no reminder."""

import pytest
from django.core import mail
from django.utils import timezone

from .jury_people import (  # noqa: F401 - fixtures, by their names
    alice_fixture,
    bruno_fixture,
    criteria_fixture,
    dossiers_fixture,
    review_round_fixture,
)
from .test_jury_reminders import TODAY, run, with_deadline  # noqa: F401

pytestmark = pytest.mark.django_db


def test_a_closed_round_sends_no_reminder(with_deadline, alice, bruno):  # noqa: F811
    with_deadline.closed_at = timezone.now()
    with_deadline.save()
    run(TODAY)
    assert mail.outbox == []
    with_deadline.closed_at = None  # reopened by the team: reminded again
    with_deadline.save()
    run(TODAY)
    assert sorted(e.to[0] for e in mail.outbox) == sorted([alice.email, bruno.email])
