"""The selection as it really runs, in a browser, on the demo: an external juror
invited by email scores the dossiers assigned to him, the others are reminded,
the committee reads the jury's pre-selection beside its own scoring, a laureate
is chosen, its investigation opened, and recording the final committee's outcome
opens the construction phase by itself.

It reshapes the demo's pre-selection round (one member per dossier), so it runs
after the other journeys (files run in name order) on the same server.
"""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.helpers import Journey, log_in
from tests.browser.test_accessibility import check
from tests.browser.test_journeys import DEMO_ROUND, REFERENCE, criterion

pytestmark = pytest.mark.browser

INVITATION = re.compile(r"http://127\.0\.0\.1:\d+/admin/invitation-jury/[^\s/]+/")
EXTERNAL = "ines.externe@autre-administration.example.gouv.fr"
COMMITTEE_ROUND = re.compile(r"^Sélection \(comité\) — Appel à candidatures \d{4}$")


def wait_for_invitation(page, server, start):
    for _attempt in range(50):
        with server.log.open(errors="replace") as log:
            log.seek(start)
            if found := INVITATION.findall(log.read()):
                return found[-1]
        page.wait_for_timeout(200)
    raise AssertionError(f"no invitation in the emails:\n{server.tail()}")


def open_round(page, server, name):
    page.goto(f"{server.url}/admin/tours/")
    page.get_by_role("link", name=name).click()


def invite(page, last_name, email, administration):
    page.get_by_role("link", name=re.compile("^Membres et avancement")).click()
    page.get_by_role("textbox", name=re.compile(r"^Nom\b")).fill(last_name)
    page.get_by_role("textbox", name=re.compile(r"^Adresse électronique")).fill(email)
    page.get_by_role("textbox", name=re.compile(r"^Administration")).fill(
        administration
    )
    page.get_by_role("button", name="Envoyer l'invitation").click()


def score(page, notes):
    for name, note in notes.items():
        criterion(page, f"^{name}").get_by_role(
            "radio", name=re.compile(rf"^{note}\b")
        ).check()
    page.get_by_role("button", name="Rendre mon évaluation").click()


def decide(page, references, decision):
    for reference in references:
        page.get_by_role("checkbox", name=reference, exact=True).check()
    page.get_by_label("Décision").select_option(label=decision)
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(
        page.get_by_text(f"{len(references)} candidature(s) : {decision}.")
    ).to_be_visible()


def test_from_an_external_jurors_invitation_to_the_construction_phase(
    amorce_server, new_page, axe_source
):
    team = new_page()
    journey = Journey("saison", team)
    today = timezone.localdate().isoformat()

    with journey.step("invitation", "the external juror invited from the round"):
        log_in(team, amorce_server, "programme")
        start = amorce_server.log.stat().st_size
        open_round(team, amorce_server, DEMO_ROUND)
        invite(team, "Externe", EXTERNAL, "Direction de l'autre administration")
        expect(team.get_by_text(f"Invitation envoyée à {EXTERNAL}")).to_be_visible()
        link = wait_for_invitation(team, amorce_server, start)

    with journey.step("attribution", "one member per dossier, assigned automatically"):
        # Wagtail's own edit form: its fields by their ids.
        team.get_by_role("link", name=re.compile("^Modifier le tour")).first.click()
        # The date first. Wagtail's date picker may still lie over « Enregistrer »
        # when it is pressed (a Playwright click is a click at a point): the
        # button is pressed itself, as a keyboard user would.
        team.locator("#id_evaluation_deadline").fill(today)
        team.locator("#id_assignment").select_option(label="Attribution par dossier")
        team.locator("#id_reviewers_per_dossier").fill("1")
        save = team.get_by_role("button", name="Enregistrer").first
        save.focus()
        save.press("Enter")
        expect(team.get_by_text(re.compile("mis à jour|modifié"))).to_be_visible()
        open_round(team, amorce_server, DEMO_ROUND)
        team.get_by_role("link", name=re.compile("^Attribution des dossiers")).click()
        team.get_by_role(
            "button", name=re.compile("^Compléter automatiquement chaque dossier")
        ).click()
        expect(
            team.get_by_text(re.compile(r"\d+ attributions? ajoutées?"))
        ).to_be_visible()

    juror = new_page(bypass_csp=True)  # axe-core is injected as an inline script
    with journey.step("mot-de-passe", "the juror choosing his password", page=juror):
        juror.goto(link)
        check(juror, "invitation-jury", axe_source)
        juror.get_by_label(re.compile(r"Nouveau mot de passe")).fill(
            "Jury-externe-2026!"
        )
        juror.get_by_label(re.compile(r"Confirmation du nouveau")).fill(
            "Jury-externe-2026!"
        )
        juror.get_by_role("button", name="Enregistrer mon mot de passe").click()
        expect(juror).to_have_url(re.compile(r"/admin/jury/$"))

    with journey.step("notation", "his assigned dossiers scored", page=juror):
        juror.get_by_role("link", name=DEMO_ROUND).click()
        round_url = juror.url
        progress = juror.locator(".amorce-progress")
        expect(progress).to_contain_text("0/2 évalués")
        mine = REFERENCE.findall(juror.locator("table.listing").inner_text())
        assert len(set(mine)) == 2, mine
        for reference in sorted(set(mine)):
            juror.get_by_role("link", name=reference).click()
            if reference == min(mine):  # the score sheet, its notes described
                check(juror, "grille-de-notation", axe_source)
            score(
                juror,
                {
                    "Ampleur du problème": 5,
                    "Motivation et connaissance du terrain": 4,
                    "Idée de solution": 4,
                },
            )
            expect(
                juror.get_by_text(f"Évaluation du dossier {reference} rendue.")
            ).to_be_visible()
            juror.goto(round_url)
        expect(juror.locator(".amorce-progress")).to_contain_text("2/2 évalués")

    with journey.step("rappel", "a reminder for the member still to score, not him"):
        output = amorce_server.manage("send_jury_reminders")
        assert "jury@example.org" in output, output
        assert EXTERNAL not in output, "all his dossiers are scored"
        open_round(team, amorce_server, DEMO_ROUND)
        team.get_by_role("link", name=re.compile("^Membres et avancement")).click()
        row = team.locator("table.amorce-progress tr").filter(has_text=EXTERNAL)
        expect(row.locator("td").nth(3), "his two evaluations submitted").to_have_text(
            "2"
        )

    with journey.step("preselection", "the juror's dossiers pre-selected"):
        open_round(team, amorce_server, DEMO_ROUND)
        decide(team, sorted(set(mine)), "Pré-sélectionnée")

    with journey.step("comite", "a committee round on the call, its member invited"):
        team.goto(f"{amorce_server.url}/admin/tours/new/")
        call = team.locator("#id_call")
        value = call.locator(
            "option", has_text="Appel à candidatures"
        ).first.get_attribute("value")
        call.select_option(value)
        team.locator("#id_kind").select_option(label="Sélection (comité)")
        team.get_by_role("button", name="Créer").first.click()
        open_round(team, amorce_server, COMMITTEE_ROUND)
        team.get_by_role("button", name="Ajouter les candidatures attendues").click()
        expect(
            team.get_by_text(re.compile("2 candidatures .* ajoutées"))
        ).to_be_visible()
        expect(
            team.get_by_role("columnheader", name="Pré-sélection du jury")
        ).to_be_visible()
        invite(team, "Juré", "jury@example.org", "")
        expect(
            team.get_by_text("Invitation envoyée à jury@example.org")
        ).to_be_visible()

    committee = new_page()
    with journey.step(
        "comite-lit", "the committee member reads the jury's result", page=committee
    ):
        log_in(committee, amorce_server, "jury")
        committee.goto(f"{amorce_server.url}/admin/jury/")
        committee.get_by_role("link", name=COMMITTEE_ROUND).click()
        laureate = sorted(set(mine))[0]
        committee.get_by_role("link", name=laureate).click()
        heading = committee.get_by_role("heading", level=2).first.inner_text()
        who = re.fullmatch(rf"{laureate} — (.+) \((.+)\)", heading.strip())
        assert who, heading
        name, administration = who.groups()
        expect(
            committee.get_by_role("heading", name="Résultat de la pré-sélection")
        ).to_be_visible()
        expect(
            committee.get_by_text(re.compile(r"Note moyenne du jury : 9\d,\d/100"))
        ).to_be_visible()

    with journey.step("laureat", "the laureate chosen and its investigation opened"):
        open_round(team, amorce_server, COMMITTEE_ROUND)
        decide(team, [laureate], "Lauréate")
        team.get_by_role("link", name=laureate, exact=True).click()
        team.get_by_role("button", name="Ouvrir l'investigation").click()
        expect(team.get_by_text("Investigation ouverte")).to_be_visible()
        pk = re.search(r"/edit/(\d+)/", team.url).group(1)

    with journey.step(
        "comite-final", "the final committee's outcome opening construction"
    ):
        team.goto(
            f"{amorce_server.url}/admin/snippets/investigations/investigation/inspect/{pk}/"
        )
        expect(team.get_by_text(re.compile("Phase « Investigation »"))).to_be_visible()
        team.get_by_role("link", name="Enregistrer la décision du comité final").click()
        team.get_by_label("Issue décidée").select_option(
            label="Construction d'un service numérique"
        )
        team.get_by_role(
            "button", name="Enregistrer la décision du comité final"
        ).click()
        expect(team.get_by_text(re.compile("Phase « Construction »"))).to_be_visible()

    with journey.step("laureats", "the laureates list published and read by anyone"):
        team.goto(f"{amorce_server.url}/admin/investigations/laureats/")
        team.get_by_role("link", name=re.compile("^Appel à candidatures")).first.click()
        team.get_by_role("button", name="Publier la liste des lauréats").click()
        visitor = new_page(bypass_csp=True)
        visitor.goto(f"{amorce_server.url}/programme/appel-a-candidatures/")
        visitor.get_by_role("link", name="Voir les lauréats de l'appel").click()
        expect(visitor.get_by_text("Département de l'Exemple")).to_be_visible()
        expect(
            visitor.get_by_text("Karim Benali"), "no applicant's name"
        ).to_have_count(0)
        check(visitor, "laureats", axe_source)
