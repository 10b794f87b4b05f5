"""What each role does, in a real browser, against the demo served on 127.0.0.1."""

import io
import re
import uuid

import openpyxl
import pytest
from playwright.sync_api import expect
from pypdf import PdfReader, PdfWriter

from tests.browser.helpers import Journey, log_in

pytestmark = pytest.mark.browser

CALL_TITLE = re.compile(r"^Appel à candidatures \d{4}$")
REFERENCE = re.compile(r"AMO-\d{4}-\d{4}")
APPLY = re.compile(r"^Déposer (une|votre) candidature$")
SUBMIT = re.compile(r"^Envoyer (ma|votre) candidature$")
DEMO_ROUND = re.compile(r"^Pré-sélection \(jury\) — Appel à candidatures \d{4}$")


def pdf_file():
    """A real one-page PDF, as an agent would attach a note."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": "Note de cadrage"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def criterion(page, name):
    """The fieldset of one criterion on the score sheet, by its legend."""
    return page.get_by_role("group", name=re.compile(name))


def test_an_agent_reads_the_call_and_submits_a_candidature_with_a_file(
    amorce_server, new_page
):
    """From the home page an agent reads the call and its FAQ, applies with a PDF and
    gets a reference; the programme team then finds the dossier with that very file."""
    page = new_page()
    journey = Journey("agent", page)
    attachment = pdf_file()

    with journey.step("accueil", "the home page to list the open call"):
        page.goto(f"{amorce_server.url}/")
        page.get_by_role("link", name=CALL_TITLE).click()

    with journey.step("appel", "the call page to say it is open and show its criteria"):
        expect(page.get_by_role("heading", level=1), "the call's title").to_have_text(
            CALL_TITLE
        )
        expect(
            page.locator("main .fr-badge").first, "the call's badge saying it is open"
        ).to_have_text(re.compile("ouvert", re.I))
        expect(
            page.get_by_role("heading", name="Critères de sélection"),
            "the selection criteria on the call page",
        ).to_be_visible()
        expect(
            page.get_by_role("cell", name=re.compile("Ampleur du problème")),
            "the first criterion of the demo call",
        ).to_be_visible()

    with journey.step("faq", "the FAQ to answer whether one may apply several times"):
        page.get_by_role("link", name="Questions fréquentes").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Questions fréquentes"
        )
        page.get_by_role(
            "button", name="Puis-je déposer plusieurs candidatures ?"
        ).click()
        expect(
            page.get_by_text(
                "Chaque problème fait l'objet d'une candidature distincte"
            ),
            "the answer unfolded under its question",
        ).to_be_visible()

    with journey.step("formulaire", "the call page to lead to the candidature form"):
        page.get_by_role(
            "navigation", name=re.compile("vous êtes ici", re.I)
        ).get_by_role("link", name=CALL_TITLE).click()
        page.get_by_role("link", name=APPLY).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Déposer une candidature"
        )

    with journey.step("formulaire-rempli", "every field of the form to take an answer"):
        page.get_by_label("Prénom et nom").fill("Aurélie Agent")
        page.get_by_label("Adresse électronique professionnelle").fill(
            "aurelie.agent@example.gouv.fr"
        )
        page.get_by_role("textbox", name=re.compile("^Administration")).fill(
            "Préfecture du Navigateur"
        )
        page.get_by_label("Le problème").fill(
            "Les usagers déposent trois fois la même pièce pour une seule démarche."
        )
        page.get_by_label("Ses conséquences pour les usagers").fill(
            "Des dossiers incomplets et des semaines de retard."
        )
        page.get_by_label("Combien de personnes sont concernées ?").select_option(
            "Plus de 100 000"
        )
        page.get_by_label("Pièces jointes").set_input_files(
            files=[
                {
                    "name": "note-de-cadrage.pdf",
                    "mimeType": "application/pdf",
                    "buffer": attachment,
                }
            ]
        )
        # The DSFR draws the box over the input: a user clicks its label.
        page.locator(
            "label", has_text="Je suis disponible pour l'investigation"
        ).click()
        expect(
            page.get_by_label("Je suis disponible pour l'investigation"),
            "the availability box ticked",
        ).to_be_checked()

    with journey.step("reference", "the confirmation with a reference AMO-YYYY-NNNN"):
        page.get_by_role("button", name=SUBMIT).click()
        confirmation = page.get_by_role(
            "heading", name=re.compile("Votre candidature porte la référence")
        )
        expect(confirmation, "the reference on the confirmation").to_contain_text(
            REFERENCE
        )
        reference = REFERENCE.search(confirmation.inner_text()).group()
        expect(
            page.get_by_text("aurelie.agent@example.gouv.fr"),
            "where the receipt is sent",
        ).to_be_visible()

    with journey.step("retour", "back on the form and sent again: the same reference"):
        page.go_back()
        expect(page.get_by_role("button", name=SUBMIT)).to_be_visible()
        page.get_by_role("button", name=SUBMIT).click()
        expect(
            page.get_by_role(
                "heading", name=re.compile("Votre candidature porte la référence")
            ),
            "the candidature stored the first time, not a second one",
        ).to_contain_text(reference)

    team = new_page()
    log_in(team, amorce_server, "programme")
    with journey.step(
        "dossier-equipe", f"the team to find {reference} with its PDF", page=team
    ):
        team.get_by_role("link", name="Candidatures", exact=True).click()
        team.get_by_role("textbox", name="Terme de recherche").fill(reference)
        expect(team, "the search in the address").to_have_url(re.compile(reference))
        team.get_by_role("link", name=reference).click()
        expect(team.get_by_text("Aurélie Agent").first).to_be_visible()
        expect(team.get_by_text("Préfecture du Navigateur").first).to_be_visible()
        link = team.get_by_role("link", name="note-de-cadrage.pdf")
        expect(link, "the attached file on the dossier").to_be_visible()
        stored = journey.download(team, link.click)
        assert stored.read_bytes() == attachment, (
            "the file downloaded from the dossier to be the one the agent attached"
        )


def test_the_communications_team_edits_and_publishes_the_call_page(
    amorce_server, new_page
):
    """The communications team changes the call's lead paragraph in the admin and
    publishes it; an anonymous visitor then reads the new text on the call page."""
    page = new_page()
    journey = Journey("communication", page)
    lead = f"Nouveau chapô publié depuis l'administration ({uuid.uuid4().hex[:8]})."

    with journey.step("connexion", "the communications account to reach its dashboard"):
        log_in(page, amorce_server, "communication")
        expect(
            page.get_by_role("link", name="Candidatures", exact=True),
            "no candidature menu for the communications team",
        ).to_have_count(0)

    with journey.step("arborescence", "the page tree to lead down to the call"):
        page.get_by_role("button", name="Pages").click()
        page.get_by_role("link", name="Voir les sous-pages de 'Le programme'").click()
        page.get_by_role(
            "link", name=re.compile(r"^Modifier 'Appel à candidatures \d{4}'$")
        ).click()
        expect(page, "the call page's editor").to_have_url(
            re.compile(r"/admin/pages/\d+/edit/$")
        )

    with journey.step("edition", "the lead paragraph to take the new text"):
        field = page.get_by_role("textbox", name="Chapô")
        expect(field, "the call's current lead paragraph").to_contain_text(
            "Vous constatez un problème récurrent"
        )
        field.fill(lead)

    with journey.step("publication", "Wagtail to confirm the page is published"):
        page.get_by_role("button", name="Plus d'actions").click()
        page.get_by_role("button", name="Publier", exact=True).click()
        expect(page.get_by_role("status"), "the confirmation message").to_contain_text(
            re.compile(r"Appel à candidatures \d{4}\W+a été publiée")
        )

    visitor = new_page()
    with journey.step(
        "page-publique", "the public call page to show the new text", page=visitor
    ):
        visitor.goto(f"{amorce_server.url}/programme/appel-a-candidatures/")
        expect(
            visitor.get_by_text(lead), "the published lead paragraph"
        ).to_be_visible()
        expect(
            visitor.get_by_text("Vous constatez un problème récurrent"),
            "the old lead paragraph gone",
        ).to_have_count(0)


def test_a_juror_scores_a_dossier(amorce_server, new_page):
    """A juror opens a dossier of their round, scores each criterion, reads their
    weighted score, and sees the dossier counted as done."""
    page = new_page()
    journey = Journey("jury", page)

    with journey.step("mes-evaluations", "the juror's round with dossiers to score"):
        log_in(page, amorce_server, "jury")
        page.get_by_role("link", name="Mes évaluations").first.click()
        expect(page.get_by_role("cell", name="0/5 évalués")).to_be_visible()
        page.get_by_role("link", name=DEMO_ROUND).click()
        expect(page.get_by_text("0/5 évalués")).to_be_visible()

    with journey.step("dossier", "the first dossier with its answers and score sheet"):
        row = page.get_by_role("row").filter(has_text="À évaluer").first
        reference = REFERENCE.search(row.inner_text()).group()
        row.get_by_role("link", name=reference).click()
        expect(page.get_by_role("heading", level=2).first).to_contain_text(reference)
        expect(page.get_by_text("Le problème", exact=True)).to_be_visible()
        expect(
            page.get_by_text("Les notes des autres membres s'afficheront"),
            "the others' scores hidden before scoring",
        ).to_be_visible()

    with journey.step("notes", "one score per criterion of the call, and a comment"):
        # One group of radio buttons per criterion, each note with what it means.
        criterion(page, "^Ampleur du problème").get_by_role(
            "radio", name=re.compile(r"^4\b")
        ).check()
        criterion(page, "^Motivation et connaissance du terrain").get_by_role(
            "radio", name=re.compile(r"^3\b")
        ).check()
        criterion(page, "^Idée de solution").get_by_role(
            "radio", name=re.compile(r"^5\b")
        ).check()
        page.get_by_label("Commentaire", exact=True).fill(
            "Problème bien documenté, à creuser."
        )

    with journey.step("brouillon", "a draft kept, not counted yet"):
        page.get_by_role("button", name="Enregistrer le brouillon").click()
        expect(
            page.get_by_text(f"Brouillon enregistré pour le dossier {reference}"),
            "the draft message",
        ).to_be_visible()
        expect(
            criterion(page, "^Ampleur du problème").get_by_role(
                "radio", name=re.compile(r"^4\b")
            )
        ).to_be_checked()

    with journey.step("note-ponderee", "the evaluation submitted, weighted to 80/100"):
        page.get_by_role("button", name="Rendre mon évaluation").click()
        expect(
            page.get_by_text(f"Évaluation du dossier {reference} rendue."),
            "the submitted message",
        ).to_be_visible()
        # (4/5 × 2 + 3/5 × 1 + 5/5 × 1) / 4 on 100
        expect(page.get_by_text("Ma note pondérée : 80,0/100")).to_be_visible()
        expect(
            page.get_by_text("elle ne se modifie plus").first, "locked once submitted"
        ).to_be_visible()
        expect(page.get_by_role("button", name="Rendre mon évaluation")).to_have_count(
            0
        )

    with journey.step("avancement", "the round to count the dossier as scored"):
        # The scoring page links back to « Mes évaluations » only, not to the round.
        page.get_by_role("link", name="Mes évaluations").first.click()
        page.get_by_role("link", name=DEMO_ROUND).click()
        expect(page.get_by_text("1/5 évalués")).to_be_visible()
        expect(
            page.get_by_role("row").filter(has_text=reference),
            f"{reference} marked as scored",
        ).to_contain_text("Rendue")


def test_the_programme_team_filters_exports_and_downloads_the_jury_book(
    amorce_server, new_page
):
    """The programme team filters the candidatures, exports exactly those rows as XLSX,
    and downloads the jury book of the round as a PDF holding every dossier."""
    page = new_page()
    journey = Journey("programme", page)

    with journey.step("candidatures", "the list of every candidature"):
        log_in(page, amorce_server, "programme")
        page.get_by_role("link", name="Candidatures", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Candidatures")

    with journey.step("filtre", "only the eligible candidatures once filtered"):
        page.get_by_role("button", name="Afficher les filtres").click()
        page.get_by_role("button", name="Statut").click()
        page.get_by_label("Recevable", exact=True).check()
        expect(page, "the filter in the address").to_have_url(
            re.compile(r"status=eligible")
        )
        rows = page.locator("main table tbody tr")
        expect(rows.first, "a first eligible candidature").to_be_visible()
        headers = [
            h.strip() for h in page.locator("main table thead th").all_inner_texts()
        ]
        column = headers.index("Statut")
        statuses = {
            row.locator("td, th").nth(column).inner_text().strip().lower()
            for row in rows.all()
        }
        assert statuses == {"recevable"}, f"only « Recevable » rows, got {statuses}"
        listed = {REFERENCE.search(text).group() for text in rows.all_inner_texts()}

    with journey.step("export-xlsx", "the XLSX to hold exactly the listed rows"):
        page.get_by_role("button", name="Actions").click()
        spreadsheet = journey.download(
            page, page.get_by_role("link", name="Exporter en XLSX (Excel)").click
        )
        assert spreadsheet.suffix == ".xlsx", f"an .xlsx file, got {spreadsheet.name}"
        sheet = openpyxl.load_workbook(spreadsheet).active
        header, *lines = list(sheet.values)
        for column in ("Référence", "Statut", "Nom", "Le problème"):
            assert column in header, f"a « {column} » column in {header}"
        records = [dict(zip(header, line, strict=True)) for line in lines]
        assert {r["Référence"] for r in records} == listed, (
            "the same references in the spreadsheet as in the filtered list"
        )
        assert {r["Statut"] for r in records} == {"Recevable"}, (
            "the status written in French in the spreadsheet"
        )

    with journey.step("tour", "the round's ranking, with a link to the jury book"):
        page.get_by_role("link", name="Tours d'examen").click()
        page.get_by_role("link", name=DEMO_ROUND).click()
        expect(page.get_by_role("link", name="cahier du jury (PDF)")).to_be_visible()
        in_round = {
            REFERENCE.search(text).group()
            for text in page.get_by_role("row")
            .filter(has_text=REFERENCE)
            .all_inner_texts()
        }
        assert in_round, "dossiers in the demo round"

    with journey.step(
        "cahier-du-jury", "a PDF jury book with every dossier of the round"
    ):
        book = journey.download(
            page, page.get_by_role("link", name="cahier du jury (PDF)").click
        )
        assert book.suffix == ".pdf", f"a .pdf file, got {book.name}"
        reader = PdfReader(book)
        text = "\n".join(page_.extract_text() for page_ in reader.pages)
        assert "Cahier du jury" in text, "the title « Cahier du jury » on the cover"
        missing = {reference for reference in in_round if reference not in text}
        assert not missing, f"every dossier of the round in the book; missing {missing}"
        assert len(reader.pages) >= len(in_round) + 2, (
            f"a cover, a ranking and a page per dossier; got {len(reader.pages)} pages"
        )
