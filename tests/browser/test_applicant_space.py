"""The applicant's space in a real browser: a draft with a file, left and taken up
again by the emailed link, sent; a correction asked and answered; the decision
read on the dossier page. axe-core on each new page."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import Journey, log_in
from tests.browser.test_accessibility import axe_page, check
from tests.browser.test_journeys import REFERENCE, SUBMIT, pdf_file

pytestmark = pytest.mark.browser

FORM = "/programme/appel-a-candidatures/candidater/"
LINK = re.compile(r"http://127\.0\.0\.1:\d+/espace-candidat/lien/[^\s/]+/")


class Mailbox:
    """The emails the server wrote to its log (Django's console backend), from now on."""

    def __init__(self, server):
        self.server = server
        self.start = server.log.stat().st_size

    def links(self):
        with self.server.log.open(errors="replace") as log:
            log.seek(self.start)
            return LINK.findall(log.read())

    def wait_for_link(self, page):
        for _attempt in range(50):
            if found := self.links():
                return found[-1]
            page.wait_for_timeout(200)
        raise AssertionError(f"no link in the emails:\n{self.server.tail()}")


def fill_identity(page, email):
    page.get_by_label("Prénom et nom").fill("Brigitte Brouillon")
    page.get_by_label("Adresse électronique professionnelle").fill(email)
    page.get_by_role("textbox", name=re.compile("^Administration")).fill(
        "Direction du Brouillon"
    )


def test_a_draft_is_resumed_by_link_sent_corrected_and_decided(amorce_server, new_page):
    email = "brigitte.brouillon@example.gouv.fr"
    page = new_page()
    journey = Journey("espace-candidat", page)

    with journey.step(
        "brouillon-auto", "the form to save itself a few seconds after typing"
    ):
        page.goto(amorce_server.url + FORM)
        mailbox = Mailbox(amorce_server)
        fill_identity(page, email)
        page.get_by_label("Le problème").fill("Commencé au bureau, à finir chez moi.")
        expect(page.locator("#autosave-status"), "the autosave notice").to_contain_text(
            re.compile(r"Brouillon enregistré à \d\d:\d\d"), timeout=10_000
        )
        expect(page, "the draft in the address").to_have_url(
            re.compile(r"\?brouillon=")
        )

    with journey.step(
        "brouillon-fichier", "the button to save the draft with its file"
    ):
        page.get_by_label("Pièces jointes").set_input_files(
            files=[
                {
                    "name": "note.pdf",
                    "mimeType": "application/pdf",
                    "buffer": pdf_file(),
                }
            ]
        )
        page.get_by_role("button", name="Enregistrer le brouillon").click()
        expect(page.get_by_text(re.compile(r"Brouillon enregistré à"))).to_be_visible()
        expect(
            page.get_by_text("note.pdf"), "the file kept with the draft"
        ).to_be_visible()
        link = mailbox.wait_for_link(page)

    elsewhere = new_page()  # another browser: nothing in common but the email
    with journey.step(
        "reprise", "the emailed link to open the draft, once", page=elsewhere
    ):
        elsewhere.goto(link)
        elsewhere.get_by_role("button", name="Reprendre mon brouillon").click()
        expect(elsewhere.get_by_label("Le problème")).to_have_value(
            "Commencé au bureau, à finir chez moi."
        )
        expect(elsewhere.get_by_text("note.pdf")).to_be_visible()

    with journey.step(
        "envoi", "the draft sent without choosing the file again", page=elsewhere
    ):
        elsewhere.get_by_label("Ses conséquences pour les usagers").fill(
            "Des semaines de retard."
        )
        elsewhere.get_by_label("Combien de personnes sont concernées ?").select_option(
            "Plus de 100 000"
        )
        receipt = Mailbox(amorce_server)
        elsewhere.get_by_role("button", name=SUBMIT).click()
        heading = elsewhere.get_by_role(
            "heading", name=re.compile("Votre candidature porte la référence")
        )
        expect(heading).to_contain_text(REFERENCE)
        reference = REFERENCE.search(heading.inner_text()).group()
        dossier_link = receipt.wait_for_link(elsewhere)

    with journey.step(
        "lien-eteint", "the sent draft's link to say so and offer a new one"
    ):
        page.goto(link)
        expect(page.get_by_role("heading", name="Ce lien a expiré")).to_be_visible()
        expect(
            page.get_by_role("button", name="Recevoir un nouveau lien")
        ).to_be_visible()

    with journey.step(
        "dossier", "the receipt's link to open the dossier", page=elsewhere
    ):
        elsewhere.goto(dossier_link)
        elsewhere.get_by_role("button", name="Ouvrir mon dossier").click()
        expect(elsewhere.get_by_role("heading", level=1)).to_have_text(
            f"Dossier {reference}"
        )
        expect(elsewhere.get_by_text("Reçue", exact=True)).to_be_visible()
        expect(
            elsewhere.get_by_role("link", name=re.compile("note.pdf"))
        ).to_be_visible()

    team = new_page()
    log_in(team, amorce_server, "programme")
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    with journey.step(
        "complement-demande", "the team to ask for a correction", page=team
    ):
        team.get_by_role("link", name="Candidatures", exact=True).click()
        team.get_by_role("textbox", name="Terme de recherche").fill(reference)
        expect(team).to_have_url(re.compile(reference))
        team.get_by_role("link", name=reference).click()
        team.get_by_role("link", name="Messages et compléments").click()
        team.get_by_label("Le problème").check()
        team.get_by_label("À rendre au plus tard le").fill(tomorrow)
        team.get_by_label("Ce qui est à compléter, et pourquoi").fill(
            "Précisez le problème avec des chiffres."
        )
        asked = Mailbox(amorce_server)
        team.get_by_role("button", name="Demander le complément").click()
        expect(team.get_by_text("Demande de complément envoyée")).to_be_visible()
        correction_link = asked.wait_for_link(team)

    applicant = new_page()
    with journey.step(
        "complement-apporte",
        "the applicant to answer only what was asked",
        page=applicant,
    ):
        applicant.goto(correction_link)
        applicant.get_by_role("button", name="Ouvrir mon dossier").click()
        expect(
            applicant.get_by_text("Précisez le problème avec des chiffres.")
        ).to_be_visible()
        applicant.get_by_role("link", name="Compléter mon dossier").click()
        expect(
            applicant.get_by_label("Ses conséquences pour les usagers"),
            "a field not asked for, shown but closed",
        ).to_be_disabled()
        applicant.get_by_label("Le problème").fill(
            "Trois semaines d'attente pour 5 000 usagers."
        )
        applicant.get_by_role("button", name="Enregistrer mes modifications").click()
        expect(applicant.get_by_text("Votre complément est envoyé")).to_be_visible()

    with journey.step("complement-relu", "the team to read what changed", page=team):
        team.reload()
        expect(
            team.get_by_role(
                "cell", name="Trois semaines d'attente pour 5 000 usagers."
            )
        ).to_be_visible()
        expect(
            team.get_by_role("cell", name="Commencé au bureau, à finir chez moi.")
        ).to_be_visible()

    with journey.step(
        "decision", "the team to decide and send the decision", page=team
    ):
        team.get_by_role("link", name="Voir le dossier").click()
        dossier_admin = team.url
        for status, reason in (
            ("Recevable", ""),
            ("Non pré-sélectionnée", "Hors du champ de l'appel."),
        ):
            team.goto(dossier_admin)
            team.get_by_role("link", name="Changer le statut").click()
            team.get_by_label("Nouveau statut").select_option(label=status)
            if reason:
                team.get_by_label("Motif").fill(reason)
            team.get_by_role("button", name=re.compile("Enregistrer")).click()
            expect(team.get_by_text(re.compile("mis à jour"))).to_be_visible()
        team.goto(amorce_server.url + "/admin/")
        team.get_by_role("link", name="Courriels de décision").click()
        row = team.get_by_role("row", name=re.compile("^Non pré-sélectionnée"))
        row.get_by_role("button", name="Préparer les courriels").click()
        team.get_by_label("J'ai relu ces courriels").check()
        team.get_by_role("button", name=re.compile("^Envoyer (le|les)")).click()
        expect(team.get_by_text(re.compile("en cours d'envoi"))).to_be_visible()

    with journey.step(
        "decision-lue", "the decision on the dossier page", page=applicant
    ):
        applicant.reload()
        expect(applicant.get_by_text("Non pré-sélectionnée").first).to_be_visible()
        expect(applicant.get_by_role("heading", name="Courriels")).to_be_visible()
        expect(applicant.get_by_text("Hors du champ de l'appel.").first).to_be_visible()


def test_applicant_pages_have_no_serious_accessibility_violation(
    amorce_server, new_page, axe_source
):
    """The form holding a draft, a link's page, the dossier, a refused link, the new-link page."""
    page = axe_page(new_page)
    page.goto(amorce_server.url + FORM)
    mailbox = Mailbox(amorce_server)
    fill_identity(page, "axe.brouillon@example.gouv.fr")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.get_by_text(re.compile("Brouillon enregistré à"))).to_be_visible()
    check(page, "brouillon", axe_source)
    link = mailbox.wait_for_link(page)

    other = axe_page(new_page)
    other.goto(link)
    check(other, "lien", axe_source)
    other.get_by_role("button", name="Reprendre mon brouillon").click()
    other.get_by_label("Le problème").fill("Pour axe.")
    other.get_by_label("Ses conséquences pour les usagers").fill("Aucune.")
    other.get_by_label("Combien de personnes sont concernées ?").select_option(
        "Plus de 100 000"
    )
    receipt = Mailbox(amorce_server)
    other.get_by_role("button", name=SUBMIT).click()
    expect(other.get_by_text(REFERENCE).first).to_be_visible()
    dossier_link = receipt.wait_for_link(other)
    other.goto(dossier_link)
    other.get_by_role("button", name="Ouvrir mon dossier").click()
    check(other, "dossier", axe_source)
    other.get_by_role("button", name="Retirer ma candidature").click()
    check(other, "dossier-erreurs", axe_source)
    other.get_by_role("link", name="Modifier ma candidature").click()
    check(other, "modifier", axe_source)
    other.goto(link)
    check(other, "lien-eteint", axe_source)
    other.goto(amorce_server.url + "/espace-candidat/nouveau-lien/")
    check(other, "nouveau-lien", axe_source)
