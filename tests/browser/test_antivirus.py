"""« Upload the EICAR test file and see it quarantined », in a real browser against the
demo server and a real clamd (tests/clamd.py): the applicant sends a PDF holding
the EICAR test string, clamd finds it, the team sees it « en quarantaine » and
cannot download it, the applicant reads the French notice. axe-core on the pages."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import Journey, log_in
from tests.browser.test_accessibility import axe_page, check
from tests.browser.test_applicant_space import FORM, Mailbox, fill_identity
from tests.browser.test_journeys import REFERENCE, SUBMIT
from tests.clamd import EICAR, skip_unless_installed

pytestmark = pytest.mark.browser

NAME = "rapport-eicar.pdf"
EICAR_PDF = b"%PDF-1.4\n" + EICAR + b"\n%%EOF\n"


def test_the_eicar_test_file_is_quarantined(amorce_server, new_page, axe_source):
    skip_unless_installed()
    assert amorce_server.antivirus, "the server scans files when clamd is installed"
    page = axe_page(new_page)
    journey = Journey("antivirus", page)

    with journey.step("envoi", "the form to take the file and give a reference"):
        page.goto(amorce_server.url + FORM)
        fill_identity(page, "eve.eicar@example.gouv.fr")
        page.get_by_label("Le problème").fill("Un document joint, à vérifier.")
        page.get_by_label("Ses conséquences pour les usagers").fill("Aucune.")
        page.get_by_label("Combien de personnes sont concernées ?").select_option(
            "Plus de 100 000"
        )
        page.get_by_label("Pièces jointes").set_input_files(
            files=[{"name": NAME, "mimeType": "application/pdf", "buffer": EICAR_PDF}]
        )
        mailbox = Mailbox(amorce_server)
        page.get_by_role("button", name=SUBMIT).click()
        heading = page.get_by_role(
            "heading", name=re.compile("Votre candidature porte la référence")
        )
        expect(heading).to_contain_text(REFERENCE)
        reference = REFERENCE.search(heading.inner_text()).group()
        dossier_link = mailbox.wait_for_link(page)

    team = axe_page(new_page)
    log_in(team, amorce_server, "programme")
    with journey.step(
        "liste-quarantaine",
        "the file listed « en quarantaine » for the team",
        page=team,
    ):
        team.get_by_role("link", name="Fichiers en quarantaine").click()
        row = team.get_by_role("row", name=re.compile(re.escape(NAME)))
        expect(row).to_contain_text(reference)
        expect(row).to_contain_text("virus détecté")
        expect(team.get_by_text("Antivirus : actif.")).to_be_visible()
        check(team, "antivirus-quarantaine", axe_source)

    with journey.step(
        "dossier-equipe", "the dossier to show the file without a link", page=team
    ):
        row.get_by_role("link", name=re.compile(reference)).click()
        expect(team.get_by_text("en quarantaine", exact=True)).to_be_visible()
        expect(team.get_by_role("link", name=NAME)).to_have_count(0)

    with journey.step(
        "telechargement-refuse", "the download refused with a French page", page=team
    ):
        pk = amorce_server.manage(
            "shell",
            "-c",
            "from forms.models import CandidatureAttachment as A; "
            f"print(A.objects.get(original_name='{NAME}').pk)",
        ).splitlines()[-1]  # after what the shell says of its own imports
        response = team.goto(
            f"{amorce_server.url}/admin/candidatures/fichiers/pieces-jointes/{pk}/"
        )
        assert response.status == 409
        expect(
            team.get_by_role("heading", name="Fichier en quarantaine")
        ).to_be_visible()
        check(team, "antivirus-refus", axe_source)

    applicant = axe_page(new_page)
    with journey.step(
        "espace-candidat", "the applicant to read the French notice", page=applicant
    ):
        applicant.goto(dossier_link)
        applicant.get_by_role("button", name="Ouvrir mon dossier").click()
        expect(
            applicant.get_by_text(f"Le fichier « {NAME} » n'a pas été accepté.")
        ).to_be_visible()
        expect(
            applicant.get_by_text(re.compile("Notre antivirus y a détecté un virus"))
        ).to_be_visible()
        expect(applicant.get_by_role("link", name=re.compile(NAME))).to_have_count(0)
        check(applicant, "antivirus-candidat", axe_source)
    told = amorce_server.log.read_text(errors="replace")
    assert "n'a pas été accepté" in told  # the email, written by the console backend
