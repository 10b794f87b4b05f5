"""A round's evaluation deadline, never set in the past, and the daily reminders to the
members who still have dossiers to score: one email each, with the list, once."""

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from selection.models import Evaluation, JuryReminder, RoundMember
from selection.reminders import send_jury_reminders

from .jury_people import (  # noqa: F401 - fixtures, by their names
    alice_fixture,
    as_member,
    bruno_fixture,
    criteria_fixture,
    dossiers_fixture,
    evaluate,
    review_round_fixture,
)
from .test_jury_members import edit_data

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 10)


@pytest.fixture
def with_deadline(review_round):
    review_round.evaluation_deadline = TODAY + dt.timedelta(days=3)
    review_round.reminder_days = 3
    review_round.save()
    return review_round


def run(date):
    out = io.StringIO()
    call_command("send_jury_reminders", date=date.isoformat(), stdout=out)
    return out.getvalue()


# The deadline ---------------------------------------------------------------


def test_a_deadline_in_the_past_is_refused_in_french(programme_client, review_round):
    data = edit_data(programme_client, review_round)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    data["evaluation_deadline"] = yesterday.isoformat()
    response = programme_client.post(f"/admin/tours/edit/{review_round.pk}/", data)
    assert response.status_code == 200
    assert "ne peut pas être dans le passé" in response.content.decode()
    review_round.refresh_from_db()
    assert review_round.evaluation_deadline is None


def test_a_deadline_today_or_later_is_kept_and_a_passed_one_may_stay(
    programme_client, review_round
):
    data = edit_data(programme_client, review_round)
    data["evaluation_deadline"] = timezone.localdate().isoformat()
    response = programme_client.post(f"/admin/tours/edit/{review_round.pk}/", data)
    assert response.status_code == 302
    review_round.refresh_from_db()
    assert review_round.evaluation_deadline == timezone.localdate()
    # Once passed, the round can still be edited without changing it.
    passed = timezone.localdate() - dt.timedelta(days=5)
    type(review_round).objects.filter(pk=review_round.pk).update(
        evaluation_deadline=passed
    )
    data = edit_data(programme_client, review_round)
    data["others_scores"] = "never"
    response = programme_client.post(f"/admin/tours/edit/{review_round.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:1000]
    review_round.refresh_from_db()
    assert review_round.evaluation_deadline == passed
    assert review_round.others_scores == "never"


# The reminders --------------------------------------------------------------


def test_one_email_per_member_with_his_pending_dossiers_then_nothing_twice(
    with_deadline, alice, bruno, dossiers, criteria
):
    evaluate(with_deadline, dossiers[0], alice, [3, 3, 5], criteria)  # submitted
    evaluate(with_deadline, dossiers[1], alice, [3, 3, 5], criteria, submit=False)
    Evaluation.objects.create(  # alice declared a conflict on the third
        round=with_deadline,
        candidature=dossiers[2],
        member=alice,
        conflict_of_interest=True,
        submitted_at=timezone.now(),
    )
    assert "2 rappel(s) envoyé(s)" in run(TODAY)
    by_member = {email.to[0]: email for email in mail.outbox}
    assert set(by_member) == {alice.email, bruno.email}, "one email per member"
    to_alice = by_member[alice.email]
    assert "TST-2026-0002" in to_alice.body, "a draft is still to score"
    assert "TST-2026-0001" not in to_alice.body, "submitted"
    assert "TST-2026-0003" not in to_alice.body, "conflict declared"
    assert f"/admin/jury/{with_deadline.pk}/{dossiers[1].pk}/" in to_alice.body
    to_bruno = by_member[bruno.email]
    assert "Il vous reste 3 dossiers à noter" in to_bruno.body
    assert to_bruno.alternatives, "a text and an HTML part"
    assert "13 mars 2026" in to_bruno.body
    assert "13 mars 2026" in as_member(bruno).get("/admin/jury/").content.decode()

    mail.outbox.clear()
    assert "0 rappel(s) envoyé(s)" in run(TODAY)
    assert "0 rappel(s)" in run(TODAY + dt.timedelta(days=1)), "the window, once"
    assert not mail.outbox
    assert JuryReminder.objects.count() == 2


def test_the_day_of_the_deadline_brings_a_second_reminder_and_after_none(
    with_deadline, alice, bruno, dossiers, criteria
):
    run(TODAY)
    for dossier in dossiers:  # bruno is done before the day
        evaluate(with_deadline, dossier, bruno, [1, 1, 1], criteria)
    mail.outbox.clear()
    run(TODAY + dt.timedelta(days=2))
    assert not mail.outbox, "between the two reminders"
    run(TODAY + dt.timedelta(days=3))
    assert [email.to for email in mail.outbox] == [[alice.email]]
    assert "C'est aujourd'hui la date limite" in mail.outbox[0].body
    mail.outbox.clear()
    run(TODAY + dt.timedelta(days=3))
    run(TODAY + dt.timedelta(days=4))
    assert not mail.outbox


def test_no_reminder_before_the_window_nor_without_a_deadline(
    review_round, with_deadline
):
    run(TODAY - dt.timedelta(days=1))
    assert not mail.outbox
    with_deadline.evaluation_deadline = None
    with_deadline.save()
    assert send_jury_reminders(TODAY).sent == 0
    assert not mail.outbox


def test_a_removed_member_gets_no_reminder(with_deadline, alice, bruno):
    RoundMember.objects.filter(round=with_deadline, user=alice).update(
        removed_at=timezone.now()
    )
    run(TODAY)
    assert [email.to for email in mail.outbox] == [[bruno.email]]


def test_a_moved_deadline_reminds_again(with_deadline, alice, bruno):
    run(TODAY)
    assert len(mail.outbox) == 2
    with_deadline.evaluation_deadline = TODAY + dt.timedelta(days=10)
    with_deadline.save()
    mail.outbox.clear()
    run(TODAY + dt.timedelta(days=7))
    assert len(mail.outbox) == 2


def test_a_failed_email_is_not_recorded_and_goes_at_the_next_run(
    with_deadline, alice, bruno, monkeypatch
):
    from django.core.mail import EmailMultiAlternatives

    real_send = EmailMultiAlternatives.send

    def failing_for_alice(message, *args, **kwargs):
        if alice.email in message.to:
            raise ConnectionError("serveur de courriel injoignable")
        return real_send(message, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", failing_for_alice)
    with pytest.raises(Exception, match="1 échec"):
        run(TODAY)
    assert list(JuryReminder.objects.values_list("member", flat=True)) == [bruno.pk]
    monkeypatch.setattr(EmailMultiAlternatives, "send", real_send)
    mail.outbox.clear()
    run(TODAY)
    assert [email.to for email in mail.outbox] == [[alice.email]]


def test_the_task_runs_the_same_job(with_deadline, alice, bruno, monkeypatch):
    from selection import reminders

    monkeypatch.setattr(reminders.timezone, "localdate", lambda: TODAY)
    result = reminders.send_jury_reminders_task.enqueue()
    assert result.return_value == {"sent": 2, "failed": 0}
    assert len(mail.outbox) == 2


def test_a_bad_date_is_refused_in_french(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="n'est pas une date"):
        call_command("send_jury_reminders", date="31/03/2026", stdout=io.StringIO())
