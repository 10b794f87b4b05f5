"""One-line texts (names, administrations, subjects) hold no line break or control
character: refused at the door, and never able to fail an email."""

import pytest
from django.apps import apps
from django.core import mail
from django.db import models

from core.text import SingleLineValidator
from forms.choices import Status
from forms.factories import CandidatureFactory
from forms.services import change_status
from forms.tasks import send_candidature_emails
from selection.models import Notification, NotificationTemplate
from selection.notifications import prepare_notifications, release_notifications

pytestmark = pytest.mark.django_db

# Not typed by people, or checked by a stricter rule of their own.
NOT_TEXT = {
    ("forms", "candidatureformfield", "field_type"),
    ("forms", "candidatureformfield", "clean_name"),
    ("forms", "candidatureformfield", "label"),  # Wagtail's own fields
    ("forms", "candidatureformfield", "help_text"),
    ("forms", "candidatureformfield", "allowed_file_types"),  # a list of kinds
    ("forms", "candidatureformfield", "pattern"),  # a checked regular expression
    ("forms", "candidatureformfield", "condition_operator"),  # choices
    ("forms", "eligibilityrefusal", "field_name"),  # a field's clean name
    ("forms", "candidatureformpage", "notification_emails"),  # validated addresses
    ("forms", "candidatureformpage", "current_definition_digest"),
    ("forms", "formdefinition", "digest"),
    ("forms", "referencesequence", "key"),
    ("investigations", "calendarfeed", "key"),  # random, made by the server
    # A phase's code, written by the database's triggers (phase_triggers).
    ("investigations", "investigation", "current_phase_code"),
    ("forms", "candidature", "reference"),
    ("forms", "candidature", "client_key"),
    ("forms", "candidature", "content_digest"),
    ("forms", "candidature", "email_key"),  # digests of likely duplicates
    ("forms", "candidature", "identity_key"),
    ("forms", "candidatureattachment", "field_name"),
    ("forms", "candidatureattachment", "original_name"),  # check_file_name
    ("forms", "candidatureattachment", "content_type"),
    ("forms", "candidatureattachment", "sha256"),
    ("forms", "draft", "client_key"),
    ("forms", "draftattachment", "field_name"),
    ("forms", "draftattachment", "original_name"),  # check_file_name
    ("forms", "draftattachment", "content_type"),
    ("forms", "draftattachment", "sha256"),
    ("forms", "candidatureattachment", "scan_detail"),  # clamd's answer
    ("forms", "draftattachment", "scan_detail"),
    ("applicants", "messageattachment", "scan_detail"),
    ("cms_pages", "documentscan", "scan_detail"),
    ("cms_pages", "imagescan", "scan_detail"),
    ("cms_pages", "documentscan", "file_name"),  # the storage's name, set by Wagtail
    ("cms_pages", "imagescan", "file_name"),
    ("applicants", "messageattachment", "original_name"),  # check_file_name
    ("applicants", "messageattachment", "content_type"),
    ("applicants", "messageattachment", "sha256"),
    ("applicants", "message", "author"),  # choices
    ("forms", "notification", "subject"),  # rendered by email_subject()
    ("cms_pages", "siteidentity", "reference_prefix"),  # letters and digits
    ("cms_pages", "siteidentity", "accessibility_statement_url"),
    ("exports", "exportjob", "kind"),
    ("exports", "exportjob", "label"),
    ("exports", "exportjob", "format"),
}


def test_every_one_line_text_of_ours_refuses_line_breaks_and_controls():
    unguarded = []
    for app in ("cms_pages", "forms", "investigations", "exports"):
        for model in apps.get_app_config(app).get_models():
            for field in model._meta.get_fields():
                if (
                    not isinstance(field, models.CharField)
                    or isinstance(field, models.EmailField | models.SlugField)
                    or field.choices
                    or field.model is not model
                    or (app, model._meta.model_name, field.name) in NOT_TEXT
                ):
                    continue
                if not any(
                    isinstance(v, SingleLineValidator) for v in field.validators
                ):
                    unguarded.append(f"{model._meta.label}.{field.name}")
    assert unguarded == []


def test_an_admin_form_refuses_a_forged_line_break(programme_client, call):
    response = programme_client.post(
        "/admin/modeles-de-courriel/new/",
        {
            "call": call.pk,
            "status": "eligible",
            "subject": "Votre dossier\r\nBcc: fuite@example.com",
            "body": "Bonjour",
        },
    )
    if response.status_code == 302:  # a one-line field may also take it as a space
        assert (
            NotificationTemplate.objects.get().subject
            == "Votre dossier Bcc: fuite@example.com"
        )
    else:
        assert "tient sur une ligne" in response.content.decode() or (
            "retirez les retours" in response.content.decode()
        )
    response = programme_client.post(
        "/admin/modeles-de-courriel/new/",
        {
            "call": call.pk,
            "status": "ineligible",
            "subject": "A\x07B\u202eC",
            "body": "x",
        },
    )
    assert response.status_code == 200
    assert not NotificationTemplate.objects.filter(status="ineligible").exists()


def test_a_long_or_broken_subject_never_fails_a_decision_email(
    form_page, call, paula, django_capture_on_commit_callbacks
):
    candidature = CandidatureFactory(
        page=form_page, status=Status.RECEIVED, applicant_name="N" * 200
    )
    change_status(
        candidature, Status.INELIGIBLE, user=paula, reason="Hors champ\r\nBcc: x" * 30
    )
    NotificationTemplate.objects.create(
        call=call,
        status=Status.INELIGIBLE,
        subject="{nom} — {reference} — {appel} : {motif}",
        body="Bonjour {nom},\n{motif}",
    )
    prepared, missing = prepare_notifications(call, Status.INELIGIBLE, paula)
    assert (prepared, missing) == (1, 0)
    notification = Notification.objects.get()
    assert len(notification.subject) <= Notification.SUBJECT_LENGTH
    assert "\n" not in notification.subject and "\r" not in notification.subject
    assert notification.subject.endswith("…")
    with django_capture_on_commit_callbacks(execute=True):
        release_notifications(call, paula)
    notification.refresh_from_db()
    assert notification.state == Notification.State.SENT
    assert "\n" not in mail.outbox[-1].subject


def test_a_title_with_a_line_break_does_not_stop_the_receipt(form_page, call):
    call.title = "Appel\r\nBcc: fuite@example.com"
    call.save()
    candidature = CandidatureFactory(page=form_page, call=call)
    send_candidature_emails.call(candidature.pk)
    subjects = [message.subject for message in mail.outbox]
    assert subjects and all("\n" not in subject for subject in subjects)
    assert all(
        "fuite@example.com" not in message.recipients() for message in mail.outbox
    )
