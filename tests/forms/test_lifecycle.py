"""Opening and closing edges, email failures, and forms edited after submissions."""

import datetime as dt
from io import StringIO

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from freezegun import freeze_time

from forms.models import Candidature

from .helpers import answers, post_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def closing_call(form_page):
    """A call closing at 23:59:59 Paris time, tomorrow."""
    call = form_page.call
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    call.closes_at = timezone.make_aware(
        dt.datetime.combine(tomorrow, dt.time(23, 59, 59))
    )
    call.save()
    return call


def test_submission_at_the_closing_second_counts(client, form_page, closing_call):
    with freeze_time(closing_call.closes_at + dt.timedelta(microseconds=999_000)):
        response = post_form(client, form_page)
    assert response.status_code == 200
    assert Candidature.objects.count() == 1


def test_submission_at_midnight_is_refused(client, form_page, closing_call):
    with freeze_time(closing_call.closes_at + dt.timedelta(seconds=1)):
        response = post_form(client, form_page)
        page = client.get(form_page.url)
    assert response.status_code == 410
    text = BeautifulSoup(response.content, "html.parser").get_text()
    assert "Cet appel est clos : votre candidature n'a pas été enregistrée." in text
    assert Candidature.objects.count() == 0
    soup = BeautifulSoup(page.content, "html.parser")
    assert not soup.select("form[enctype]"), "a closed call shows no form"
    assert "Appel clos" in soup.get_text()


def test_before_opening_the_page_says_when(client, form_page):
    call = form_page.call
    call.opens_at = timezone.now() + dt.timedelta(days=2)
    call.closes_at = call.opens_at + dt.timedelta(days=10)
    call.save()
    page = client.get(form_page.url)
    soup = BeautifulSoup(page.content, "html.parser")
    assert "Le formulaire ouvrira le" in soup.get_text()
    assert not soup.select("form[enctype]")
    response = post_form(client, form_page)
    assert response.status_code == 409
    assert "pas encore ouvert" in response.content.decode()
    assert Candidature.objects.count() == 0


class FailingEmailBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP injoignable")


def test_an_email_failure_loses_nothing_and_can_be_retried(client, form_page, settings):
    settings.EMAIL_BACKEND = "tests.forms.test_lifecycle.FailingEmailBackend"
    response = post_form(client, form_page)
    assert response.status_code == 200
    candidature = Candidature.objects.get()
    assert candidature.reference in response.content.decode()
    assert candidature.confirmation_sent_at is None
    assert "SMTP injoignable" in candidature.email_error

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    out = StringIO()
    call_command("retry_candidature_emails", stdout=out)
    candidature.refresh_from_db()
    assert candidature.confirmation_sent_at is not None
    assert candidature.email_error == ""
    assert [m.to for m in mail.outbox].count(["camille.martin@example.gouv.fr"]) == 1
    assert Candidature.objects.count() == 1

    call_command("retry_candidature_emails", stdout=StringIO())
    assert len(mail.outbox) == 2, "a second retry sends nothing again"


def test_a_removed_or_renamed_field_keeps_its_answers(admin_client, form_page):
    post_form(
        client=admin_client, page=form_page, data=answers(idee="Une piste précise")
    )
    candidature = Candidature.objects.get()
    form_page.form_fields.get(label="Idée").delete()
    field = form_page.form_fields.get(label="Le problème")
    field.label = "Le problème rencontré"
    field.save()
    form_page.__dict__.pop("cached_form_fields", None)

    html = admin_client.get(
        f"/admin/candidatures/inspect/{candidature.pk}/"
    ).content.decode()
    assert "Idée" in html and "Une piste précise" in html
    assert "Le problème" in html and "Les usagers attendent trois mois" in html

    post_form(admin_client, form_page, answers(le_probleme="Nouveau"))
    newer = Candidature.objects.exclude(pk=candidature.pk).get()
    assert newer.definition_id != candidature.definition_id
    assert "Idée" not in [f["label"] for f in newer.definition.fields]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_with_a_worker_the_email_task_commits_with_the_candidature(
    client, form_page, settings
):
    """With the database task backend, the email task is stored with the candidature, not before."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend"}
    }  # resets the backends
    response = post_form(client, form_page)
    assert response.status_code == 200
    candidature = Candidature.objects.get()
    task = DBTaskResult.objects.get(task_path__endswith="send_candidature_emails")
    assert task.args_kwargs["args"] == [candidature.pk]
    assert mail.outbox == [], "nothing is sent by the web process: a worker does it"


def test_a_sender_refused_at_the_closing_gets_their_answers_back(
    client, form_page, closing_call
):
    """Sent one second too late: refused, but what they wrote is shown for them to keep."""
    with freeze_time(closing_call.closes_at + dt.timedelta(seconds=1)):
        response = post_form(
            client, form_page, answers(le_probleme="Un texte long écrit avec soin.")
        )
    assert response.status_code == 410
    text = (
        BeautifulSoup(response.content, "html.parser")
        .select_one(".amorce-kept-answers")
        .get_text(" ")
    )
    assert "Un texte long écrit avec soin." in text
    assert "camille.martin@example.gouv.fr" in text
