"""Charts in a browser, on the demo: the programme team reads its call's figures,
opens the numbers behind a chart and downloads them; the public programme page
shows the key figures its communications team chose."""

import io
import re

import pandas as pd
import pytest
from playwright.sync_api import expect

from tests.browser.helpers import Journey, log_in
from tests.browser.test_accessibility import check

pytestmark = pytest.mark.browser


def test_the_programme_team_reads_its_figures_and_takes_them_away(
    amorce_server, new_page, axe_source
):
    team = new_page(bypass_csp=True)  # axe-core is injected as an inline script
    journey = Journey("chiffres", team)
    log_in(team, amorce_server, "programme")
    with journey.step("tableau", "the call's charts, drawn and named"):
        team.get_by_role("link", name="Chiffres", exact=True).first.click()
        expect(
            team.get_by_role("heading", name="Candidatures par statut")
        ).to_be_visible()
        charts = team.locator("figure.amorce-figure svg[role=img]")
        assert charts.count() >= 4, "a chart per day, status, administration, funnel"
        # Each chart has an accessible name, from its own title.
        for index in range(charts.count()):
            labelled = charts.nth(index).get_attribute("aria-labelledby")
            assert labelled and team.locator(f"[id='{labelled.split()[0]}']").count()
        check(team, "chiffres", axe_source)
    with journey.step("donnees", "the numbers behind the status chart, as a table"):
        figure = team.locator("figure.amorce-figure").filter(
            has=team.get_by_role("heading", name="Candidatures par statut")
        )
        figure.get_by_text("Voir les données").click()
        table = figure.get_by_role("table")
        expect(table).to_be_visible()
        shown = {
            row.locator("th").inner_text(): int(row.locator("td").first.inner_text())
            for row in table.locator("tbody tr").all()
        }
        assert sum(shown.values()) >= 7, f"the demo's candidatures, got {shown}"
    with journey.step("csv", "the same numbers, as a spreadsheet reads them"):
        download = journey.download(
            team, lambda: figure.get_by_role("link", name=re.compile("CSV")).click()
        )
        data = pd.read_csv(
            io.BytesIO(download.read_bytes()), sep=";", encoding="utf-8-sig"
        )
        assert dict(zip(data.iloc[:, 0], data.iloc[:, 1], strict=True)) == shown
    with journey.step("notes", "a round's scores, one chart per criterion"):
        team.get_by_role("link", name="Chiffres", exact=True).first.click()
        team.locator("a[href*='/chiffres/tours/']").first.click()
        expect(team.locator("figure.amorce-figure svg[role=img]").first).to_be_visible()
        check(team, "chiffres-notes", axe_source)
    with journey.step("public", "the programme page shows its key figures"):
        visitor = new_page()
        visitor.goto(f"{amorce_server.url}/programme/")
        block = (
            visitor.locator("section, div")
            .filter(has=visitor.get_by_role("heading", name="Chiffres clés"))
            .last
        )
        expect(block.get_by_text("Candidatures reçues")).to_be_visible()
        journey.shoot(visitor, "programme-chiffres-cles")
