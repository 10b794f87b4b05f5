"""Personal data: anonymising after the retention, exporting and erasing one applicant."""

import datetime as dt
import hashlib
import json
import zipfile
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.utils import timezone
from freezegun import freeze_time
from wagtail.models import ModelLogEntry

from cms_pages.factories import CallPageFactory
from cms_pages.models import CallPage
from forms.factories import CandidatureFactory, CandidatureFormPageFactory
from forms.models import Candidature, CandidatureAttachment, private_storage
from forms.services import change_status
from investigations.models import Investigation
from privacy.services import ANONYMISED_EMAIL, ANONYMISED_NAME, add_months
from selection.models import Evaluation, Notification, ReviewRound, RoundMember
from selection.scoring import round_aggregates
from tests.forms.helpers import PDF
from tests.users import member_of

pytestmark = pytest.mark.django_db

CAMILLE = "camille.martin@example.gouv.fr"
# The call closed on 15 March 2024 at 23:59 (Paris), kept 24 months: the
# retention ends on 15 March 2026 at 23:59:59.
DAY_BEFORE = "2026-03-14T23:59:59"
DAY_AFTER = "2026-03-16T00:00:00"


def paris(*args):
    return timezone.make_aware(dt.datetime(*args))


def attach(candidature, name, content=PDF):
    attachment = CandidatureAttachment(
        candidature=candidature,
        field_name="pieces_jointes",
        original_name=name,
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        scan_state="clean",  # made here, not sent: not waiting for the antivirus
    )
    attachment.file.save("piece.pdf", ContentFile(content), save=True)
    candidature.form_data = {**candidature.form_data, "pieces_jointes": [name]}
    candidature.save(update_fields=["form_data"])
    return attachment


def run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue()


def snapshot(candidature):
    """Everything a candidature says, to compare before and after."""
    candidature = Candidature.objects.get(pk=candidature.pk)
    return (
        candidature.applicant_name,
        candidature.applicant_email,
        candidature.administration,
        candidature.service,
        candidature.status,
        candidature.form_data,
        candidature.anonymised_at,
        sorted(candidature.attachments.values_list("file", flat=True)),
        list(candidature.status_changes.values_list("reason", flat=True)),
        list(candidature.evaluations.values_list("comment", "scores")),
        list(candidature.notifications.values_list("subject", "body")),
    )


@pytest.fixture
def closed_call(call):
    CallPage.objects.filter(pk=call.pk).update(
        opens_at=paris(2024, 1, 8, 9, 0), closes_at=paris(2024, 3, 15, 23, 59)
    )
    call.refresh_from_db()
    return call


@pytest.fixture
def recent_form(programme):
    """A second call, closed last month: its retention runs for two more years."""
    recent = CallPageFactory(
        parent=programme,
        slug="appel-recent",
        opens_at=paris(2026, 1, 5, 9, 0),
        closes_at=paris(2026, 2, 20, 23, 59),
        criteria=[{"label": "Ampleur", "weight": 1}],
    )
    return CandidatureFormPageFactory(
        parent=recent,
        slug="candidater",
        fields=[{"label": "Le problème", "field_type": "multiline"}],
    )


@pytest.fixture
def people(closed_call, form_page, recent_form, paula):
    """Candidatures of known people, with everything that can name them."""
    refused = CandidatureFactory(
        page=form_page,
        status="eligible",
        applicant_name="Camille Martin",
        applicant_email="Camille.Martin@Example.gouv.fr",
        administration="Préfecture de l'Exemple",
        service="Accueil des usagers",
        form_data={
            "le_probleme": "Camille Martin attend trois mois.",
            "public_concerne": "Usagers",
            "idee": "Appeler Camille au 06 12 34 56 78",
        },
    )
    change_status(
        refused, "not_preselected", user=paula, reason="Camille est déjà suivie"
    )
    file = attach(refused, "cv-camille-martin.pdf")
    Notification.objects.create(
        candidature=refused,
        status="not_preselected",
        subject="Camille, votre candidature",
        body="Bonjour Camille Martin, votre projet n'est pas retenu.",
        state=Notification.State.SENT,
        sent_at=timezone.now(),
    )
    waiting = CandidatureFactory(
        page=form_page, status="received", applicant_name="Dominique Petit"
    )
    Notification.objects.create(
        candidature=waiting,
        status="eligible",
        subject="Dominique",
        body="Bonjour Dominique Petit",
    )
    laureate = CandidatureFactory(
        page=form_page, status="selected", applicant_name="Léa Durand"
    )
    attach(laureate, "projet-lea.pdf")
    followed = CandidatureFactory(
        page=form_page, status="preselected", applicant_name="Hugo Bernard"
    )
    Investigation.objects.create(
        title="Rendez-vous en préfecture",
        problem_statement="Trois mois d'attente.",
        candidature=followed,
        call=closed_call,
        contact_name="Hugo Bernard",
        contact_email="hugo.bernard@example.gouv.fr",
    )
    recent = CandidatureFactory(
        page=recent_form,
        status="not_preselected",
        applicant_name="Camille Martin",
        applicant_email=CAMILLE,
    )

    review_round = ReviewRound.objects.create(call=closed_call, kind="preselection")
    alice = member_of("Jury", "alice")
    RoundMember.objects.create(round=review_round, user=alice)
    review_round.candidatures.add(refused, laureate)
    criteria = list(closed_call.criteria.all())
    for candidature, values in ((refused, [2, 3, 4]), (laureate, [5, 5, 9])):
        Evaluation.objects.create(
            round=review_round,
            candidature=candidature,
            member=alice,
            scores={str(c.pk): v for c, v in zip(criteria, values, strict=True)},
            comment=f"J'ai travaillé avec {candidature.applicant_name}",
            conflict_note="ancienne collègue",
            submitted_at=timezone.now(),
        )
    return {
        "refused": refused,
        "waiting": waiting,
        "laureate": laureate,
        "followed": followed,
        "recent": recent,
        "round": review_round,
        "file": file.file.name,
    }


def aggregates(review_round):
    return sorted(
        (a.candidature.reference, a.mean, a.count, a.spread)
        for a in round_aggregates(review_round)
    )


def test_retention_counts_calendar_months():
    """Months are calendar months, the day clamped to the month's last."""
    assert add_months(dt.datetime(2024, 1, 31), 1) == dt.datetime(2024, 2, 29)
    assert add_months(dt.datetime(2024, 3, 15), 24) == dt.datetime(2026, 3, 15)
    assert add_months(dt.datetime(2024, 11, 30), 3) == dt.datetime(2025, 2, 28)
    assert add_months(dt.datetime(2025, 1, 31), 1) == dt.datetime(2025, 2, 28)
    assert add_months(dt.datetime(2025, 3, 31), 1) == dt.datetime(2025, 4, 30)
    assert add_months(dt.datetime(2024, 2, 29, 23, 59), 12) == dt.datetime(
        2025, 2, 28, 23, 59
    )


def test_a_day_before_the_retention_ends_nothing_changes(people):
    """The day before the end of the retention, every candidature is left whole."""
    before = {
        key: snapshot(c) for key, c in people.items() if key not in ("round", "file")
    }
    out = run("anonymise_candidatures", "--now", DAY_BEFORE)
    assert "En tout : 0 candidature(s) anonymisée(s)." in out
    assert before == {key: snapshot(people[key]) for key in before}
    assert private_storage().exists(people["file"])


def test_after_the_retention_unselected_candidatures_are_anonymised(people):
    """Identity, free answers, files, reasons, comments and email texts go; status,
    choices, scores and counts stay."""
    review_round = people["round"]
    scores_before = aggregates(review_round)
    counts_before = sorted(
        Candidature.objects.values_list("call_id", "status").order_by()
    )
    histories_before = Candidature.objects.get(
        pk=people["refused"].pk
    ).status_changes.count()

    out = run("anonymise_candidatures", "--now", DAY_AFTER)

    assert "« Appel de test »" in out
    assert (
        "2 candidature(s) anonymisée(s), 2 conservée(s), 1 fichier(s) supprimé(s)"
        in out
    )
    assert "En tout : 2 candidature(s) anonymisée(s)." in out

    refused = Candidature.objects.get(pk=people["refused"].pk)
    assert refused.applicant_name == ANONYMISED_NAME
    assert refused.applicant_email == ANONYMISED_EMAIL
    assert (refused.administration, refused.service) == ("", "")
    assert refused.form_data == {
        "le_probleme": None,
        "public_concerne": "Usagers",  # a choice: kept for statistics
        "idee": None,
        "pieces_jointes": [],
    }
    assert refused.anonymised_at == timezone.make_aware(dt.datetime(2026, 3, 16))
    assert refused.status == "not_preselected"
    assert not refused.attachments.exists()
    assert not private_storage().exists(people["file"]), "the file left the storage"
    assert refused.status_changes.count() == histories_before
    assert list(refused.status_changes.values_list("reason", flat=True)) == [""]
    assert list(refused.notifications.values_list("subject", "body", "state")) == [
        ("", "", "sent")
    ]
    evaluation = refused.evaluations.get()
    assert (evaluation.comment, evaluation.conflict_note) == ("", "")
    assert not Notification.objects.filter(candidature=people["waiting"]).exists(), (
        "an email not sent yet would go nowhere: withdrawn"
    )
    assert Candidature.objects.get(pk=people["waiting"].pk).anonymised_at

    assert aggregates(review_round) == scores_before, "scores and aggregates unchanged"
    assert (
        sorted(Candidature.objects.values_list("call_id", "status").order_by())
        == counts_before
    ), "counts by call and status unchanged"


def test_laureates_investigations_and_recent_calls_are_kept_whole(people):
    """A laureate, a candidature with an investigation and a call still in its
    retention are not touched."""
    kept = ("laureate", "followed", "recent")
    before = {key: snapshot(people[key]) for key in kept}
    run("anonymise_candidatures", "--now", DAY_AFTER)
    assert before == {key: snapshot(people[key]) for key in kept}
    assert Investigation.objects.get().contact_email == "hugo.bernard@example.gouv.fr"


def test_the_log_says_what_was_done_and_names_nobody(people):
    """One entry per anonymised candidature; no entry still names the applicant."""
    run("anonymise_candidatures", "--now", DAY_AFTER)
    entries = ModelLogEntry.objects.filter(action="amorce.candidature.anonymised")
    assert sorted(int(e.object_id) for e in entries) == sorted(
        [people["refused"].pk, people["waiting"].pk]
    )
    assert entries.first().data == {"cause": "retention", "retention_months": 24}
    for pk in (people["refused"].pk, people["waiting"].pk):
        history = ModelLogEntry.objects.filter(object_id=str(pk))
        text = json.dumps(list(history.values("label", "data"))).casefold()
        assert "camille" not in text and "dominique" not in text
        assert "déjà suivie" not in text, "the reason logged with the status is gone"


def test_a_second_run_and_a_dry_run_change_nothing(people):
    """Idempotent; the dry run says what it would do and does nothing."""
    out = run("anonymise_candidatures", "--dry-run", "--now", DAY_AFTER)
    assert "Simulation" in out
    assert "2 candidature(s) seraient anonymisée(s), 2 conservée(s)" in out
    assert not Candidature.objects.exclude(anonymised_at=None).exists()
    assert private_storage().exists(people["file"])
    assert not ModelLogEntry.objects.filter(
        action="amorce.candidature.anonymised"
    ).exists()

    run("anonymise_candidatures", "--now", DAY_AFTER)
    after_first = {key: snapshot(people[key]) for key in ("refused", "waiting")}
    logs = ModelLogEntry.objects.count()
    out = run("anonymise_candidatures", "--now", "2026-06-01T00:00")
    assert "En tout : 0 candidature(s) anonymisée(s)." in out
    assert after_first == {key: snapshot(people[key]) for key in after_first}
    assert ModelLogEntry.objects.count() == logs


def test_it_runs_on_todays_date(people):
    """Without --now, the clock decides (a daily timer)."""
    with freeze_time("2026-03-14T12:00:00Z"):
        run("anonymise_candidatures")
    assert not Candidature.objects.exclude(anonymised_at=None).exists()
    with freeze_time("2026-03-16T08:00:00Z"):
        run("anonymise_candidatures")
    assert Candidature.objects.exclude(anonymised_at=None).count() == 2


def test_a_failure_leaves_the_call_untouched(people, monkeypatch):
    """One transaction per call: a failure midway anonymises nothing, keeps the files."""
    from privacy import services as privacy

    def broken(*args, **kwargs):
        raise RuntimeError("panne")

    monkeypatch.setattr(privacy, "_scrub_history", broken)
    with pytest.raises(CommandError, match="1 échec"):
        run("anonymise_candidatures", "--now", DAY_AFTER)
    refused = Candidature.objects.get(pk=people["refused"].pk)
    assert refused.applicant_name == "Camille Martin" and refused.anonymised_at is None
    assert refused.attachments.exists() and private_storage().exists(people["file"])


def test_bad_date_is_refused_in_french(db):
    with pytest.raises(CommandError, match="n'est pas une date ISO"):
        run("anonymise_candidatures", "--now", "demain")


def test_anonymised_candidatures_still_display(people, programme_client, tmp_path):
    """The list, the dossier, its PDF, the jury book and the spreadsheet still work."""
    from exports.pdf import render_jury_book_pdf

    run("anonymise_candidatures", "--now", DAY_AFTER)
    refused = people["refused"]
    assert programme_client.get("/admin/candidatures/").status_code == 200
    page = programme_client.get(f"/admin/candidatures/inspect/{refused.pk}/")
    assert page.status_code == 200
    assert "Anonymisée le 16 mars 2026" in page.content.decode()
    assert "camille" not in page.content.decode().casefold()
    pdf = programme_client.get(f"/admin/exports/dossiers/{refused.pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert render_jury_book_pdf(people["round"]).startswith(b"%PDF")
    output = tmp_path / "candidatures.csv"
    run("export_candidatures", str(output), "--call", str(refused.call_id))
    assert ANONYMISED_NAME in output.read_text(encoding="utf-8-sig")


# One applicant --------------------------------------------------------------


def test_export_gathers_everything_about_one_address(people, tmp_path):
    """Candidatures of every call, answers, history, emails sent, investigation
    contacts and the files, whatever the case of the address."""
    Investigation.objects.create(
        title="Accueil sans rendez-vous",
        problem_statement="Un problème arrivé par courriel.",
        contact_name="Camille Martin",
        contact_email="CAMILLE.martin@example.gouv.fr",
    )
    archive_path = tmp_path / "camille.zip"
    out = run(
        "applicant_data",
        "camille.MARTIN@example.gouv.fr",
        "--export",
        str(archive_path),
    )
    assert "2 candidature(s), 1 fichier(s), 1 investigation(s)" in out

    with zipfile.ZipFile(archive_path) as archive:
        data = json.loads(archive.read("donnees.json"))
        by_reference = {c["reference"]: c for c in data["candidatures"]}
        assert set(by_reference) == {
            people["refused"].reference,
            people["recent"].reference,
        }
        refused = by_reference[people["refused"].reference]
        assert refused["identite"]["nom"] == "Camille Martin"
        assert {
            "question": "Le problème",
            "reponse": "Camille Martin attend trois mois.",
        } in refused["reponses"]
        assert (
            refused["historique_des_statuts"][0]["motif"] == "Camille est déjà suivie"
        )
        assert [c["objet"] for c in refused["courriels"]] == [
            "Camille, votre candidature"
        ]
        [attachment] = refused["pieces_jointes"]
        assert attachment["nom"] == "cv-camille-martin.pdf"
        assert archive.read(attachment["fichier"]) == PDF
        assert [i["intitule"] for i in data["investigations"]] == [
            "Accueil sans rendez-vous"
        ]
        text = json.dumps(data)
        assert "Dominique" not in text and "Léa Durand" not in text

    digest = hashlib.sha256(CAMILLE.encode()).hexdigest()
    entries = ModelLogEntry.objects.filter(action="amorce.personal_data.exported")
    assert entries.count() == 3 and {e.data["email_sha256"] for e in entries} == {
        digest
    }
    assert "camille" not in json.dumps(list(entries.values("label", "data"))).casefold()


def test_erase_anonymises_one_person_everywhere_and_no_one_else(people):
    """Every candidature of the address (laureate or not), its files and the
    investigation contacts carrying it; other people untouched."""
    laureate = people["laureate"]
    Candidature.objects.filter(pk=laureate.pk).update(
        applicant_email="CAMILLE.MARTIN@example.gouv.fr"
    )
    contact = Investigation.objects.create(
        title="Accueil sans rendez-vous",
        problem_statement="Un problème arrivé par courriel.",
        contact_name="Camille Martin",
        contact_email=CAMILLE,
    )
    others = {key: snapshot(people[key]) for key in ("waiting", "followed")}
    scores_before = aggregates(people["round"])

    out = run("applicant_data", "Camille.Martin@EXAMPLE.gouv.fr", "--erase", "--yes")

    assert "Attention, lauréate(s) parmi elles" in out
    assert (
        "3 candidature(s) anonymisée(s), 2 fichier(s) supprimé(s), 1 contact(s)" in out
    )
    for key in ("refused", "recent", "laureate"):
        candidature = Candidature.objects.get(pk=people[key].pk)
        assert (
            candidature.applicant_name == ANONYMISED_NAME and candidature.anonymised_at
        )
        assert not candidature.attachments.exists()
    assert Candidature.objects.get(pk=laureate.pk).status == "selected"
    assert not private_storage().exists(people["file"])
    contact.refresh_from_db()
    assert (contact.contact_name, contact.contact_email) == ("", "")
    assert (
        Investigation.objects.get(candidature=people["followed"]).contact_name
        == "Hugo Bernard"
    )
    assert others == {key: snapshot(people[key]) for key in others}
    assert aggregates(people["round"]) == scores_before

    digest = hashlib.sha256(CAMILLE.encode()).hexdigest()
    anonymised = ModelLogEntry.objects.filter(action="amorce.candidature.anonymised")
    assert anonymised.count() == 3
    assert {e.data["email_sha256"] for e in anonymised} == {digest}
    assert (
        ModelLogEntry.objects.filter(action="amorce.personal_data.erased").count() == 1
    )
    everything = json.dumps(list(ModelLogEntry.objects.values("label", "data")))
    assert "camille" not in everything.casefold()

    assert "Aucune donnée" in run("applicant_data", CAMILLE, "--erase", "--yes")


def test_erase_asks_first(people, monkeypatch):
    """Without --yes, anything but « oui » erases nothing."""
    monkeypatch.setattr("builtins.input", lambda: "non")
    out = run("applicant_data", CAMILLE, "--erase")
    assert "rien n'a été effacé" in out
    assert Candidature.objects.filter(applicant_name="Camille Martin").count() == 2
    monkeypatch.setattr("builtins.input", lambda: "oui")
    run("applicant_data", CAMILLE, "--erase")
    assert not Candidature.objects.filter(applicant_name="Camille Martin").exists()


def test_applicant_data_input_errors(people, tmp_path):
    """Unknown address: says so, exits normally. Bad input: a French error."""
    assert "Aucune donnée pour cette adresse" in run(
        "applicant_data", "personne@example.org", "--erase", "--yes"
    )
    with pytest.raises(CommandError, match="n'est pas une adresse électronique valide"):
        run("applicant_data", "pas-une-adresse", "--erase")
    with pytest.raises(CommandError, match="soit --export FICHIER, soit --erase"):
        run("applicant_data", CAMILLE)
    with pytest.raises(CommandError, match="soit --export FICHIER, soit --erase"):
        run("applicant_data", CAMILLE, "--erase", "--export", str(tmp_path / "a.zip"))
    existing = tmp_path / "deja.zip"
    existing.write_bytes(b"")
    with pytest.raises(CommandError, match="existe déjà"):
        run("applicant_data", CAMILLE, "--export", str(existing))
    assert existing.read_bytes() == b""


def test_no_email_is_prepared_or_retried_for_an_anonymised_candidature(people):
    """The withdrawn decision email is not prepared again; no receipt is retried."""
    from django.core import mail

    from selection.models import NotificationTemplate
    from selection.notifications import prepare_notifications

    run("anonymise_candidatures", "--now", DAY_AFTER)
    NotificationTemplate.objects.create(
        call=people["refused"].call, status="eligible", subject="S", body="B {nom}"
    )
    Candidature.objects.filter(pk=people["waiting"].pk).update(status="eligible")
    assert prepare_notifications(people["refused"].call, "eligible") == (0, 0)
    Candidature.objects.update(confirmation_sent_at=None)
    run("retry_candidature_emails")
    assert ANONYMISED_EMAIL not in [to for m in mail.outbox for to in m.to]


def test_an_anonymised_candidature_keeps_its_status(people, programme_client):
    """Its decision was taken long ago; nobody revives it without its data."""
    run("anonymise_candidatures", "--now", DAY_AFTER)
    refused = people["refused"]
    refused.refresh_from_db()
    before = refused.status
    response = programme_client.post(
        f"/admin/candidatures/edit/{refused.pk}/",
        {"status": "withdrawn", "reason": "essai"},
    )
    assert response.status_code == 200
    assert "Cette candidature a été anonymisée" in response.content.decode()
    refused.refresh_from_db()
    assert refused.status == before
