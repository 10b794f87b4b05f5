"""« Chiffres »: the programme team's charts, their tables and their CSV."""

import datetime as dt
import io

import pandas as pd
import pytest
from defusedxml import ElementTree
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forms.factories import CandidatureFactory
from forms.models import Candidature
from investigations.models import Organisation

SVG = "{http://www.w3.org/2000/svg}"


def svgs_of(html):
    """Every chart of a page (its inline <svg>), parsed as XML."""
    found, start = [], 0
    opening = '<svg xmlns="http://www.w3.org/2000/svg" class="amorce-chart"'
    while (start := html.find(opening, start)) != -1:
        end = html.index("</svg>", start) + len("</svg>")
        found.append(ElementTree.fromstring(html[start:end]))
        start = end
    return found


def chart_svg(html, key):
    return next(
        svg
        for svg in svgs_of(html)
        if svg.find(f"{SVG}title").get("id") == f"chart-{key}-title"
    )


def bar_values(svg):
    """{label: value} of a bar chart, read from each bar's tooltip."""
    values = {}
    for rect in svg.iter(f"{SVG}rect"):
        label, value = rect.find(f"{SVG}title").text.rsplit(" : ", 1)
        values[label] = int(value.split(" ")[0])
    return values


def read_csv(response):
    content = (
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    assert content.startswith("\ufeff".encode())
    return pd.read_csv(io.BytesIO(content), sep=";", encoding="utf-8-sig")


@pytest.fixture
def candidatures(call, form_page):
    call.opens_at = timezone.make_aware(dt.datetime(2026, 11, 2, 9))
    call.closes_at = timezone.make_aware(dt.datetime(2026, 11, 13, 18))
    call.save()
    Organisation.objects.create(name="Commune de Brest", kind="city")
    statuses = ["received"] * 3 + ["eligible"] * 2 + ["preselected", "selected"]
    made = []
    for index, status in enumerate(statuses):
        candidature = CandidatureFactory(
            page=form_page,
            status=status,
            administration="commune de brest" if index < 2 else "Ailleurs",
            form_data={"public_concerne": "Agents" if index % 2 else "Usagers"},
        )
        sent = timezone.make_aware(dt.datetime(2026, 11, 3 + index % 3, 10))
        Candidature.objects.filter(pk=candidature.pk).update(submit_time=sent)
        made.append(candidature)
    return made


def test_the_dashboard_draws_each_chart_with_its_table(programme_client, candidatures):
    """Each chart is an SVG image named by its title, whose bars say the numbers the
    table beside it says."""
    response = programme_client.get("/admin/chiffres/")
    assert response.status_code == 200
    html = response.content.decode()
    status = chart_svg(html, "par-statut")
    assert status.get("role") == "img"
    assert (
        status.get("aria-labelledby") == "chart-par-statut-title chart-par-statut-desc"
    )
    values = bar_values(status)
    assert len(values) == 9  # every status, in order
    assert values["Reçue"] == 3 and values["Recevable"] == 2 and values["Lauréate"] == 1
    assert '<th scope="row">Reçue</th><td>3</td>' in html
    assert "Voir les données" in html
    kinds = bar_values(chart_svg(html, "par-nature"))
    assert kinds == {"Commune": 2, "hors répertoire des administrations": 5}
    funnel = bar_values(chart_svg(html, "entonnoir"))
    assert list(funnel.values())[:4] == [7, 4, 2, 1]
    answers = bar_values(chart_svg(html, "par-reponse"))
    assert answers == {"Usagers": 4, "Agents": 3}


def test_candidatures_by_day_span_the_call_and_mark_its_dates(
    programme_client, candidatures
):
    """One bar a day from the opening to the closing, the two dates marked."""
    html = programme_client.get("/admin/chiffres/").content.decode()
    svg = chart_svg(html, "par-jour")
    columns = list(svg.iter(f"{SVG}rect"))
    assert len(columns) == 12  # 2 to 13 November
    assert sum(bar_values(svg).values()) == len(candidatures)
    marks = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "amorce-mark"]
    assert len(marks) == 2


def test_each_chart_reads_back_as_csv(programme_client, candidatures, call):
    """The CSV of a chart holds the numbers of its table, « ; » and a BOM."""
    response = programme_client.get(f"/admin/chiffres/csv/par-statut/?appel={call.pk}")
    assert response.status_code == 200
    frame = read_csv(response)
    assert list(frame.columns) == ["Statut", "Candidatures"]
    counts = dict(zip(frame["Statut"], frame["Candidatures"], strict=True))
    assert counts["Reçue"] == 3 and counts["Pré-sélectionnée"] == 1
    days = read_csv(
        programme_client.get(f"/admin/chiffres/csv/par-jour/?appel={call.pk}")
    )
    assert len(days) == 12 and days["Candidatures"].sum() == 7
    assert days["Jour"][0] == "02/11/2026"


def test_the_number_of_queries_does_not_grow_with_the_candidatures(
    programme_client, candidatures, form_page
):
    """Counted by the database: as many queries for 7 candidatures as for 57."""
    programme_client.get("/admin/chiffres/")  # caches warm
    with CaptureQueriesContext(connection) as few:
        programme_client.get("/admin/chiffres/")
    CandidatureFactory.create_batch(50, page=form_page, status="eligible")
    with CaptureQueriesContext(connection) as many:
        programme_client.get("/admin/chiffres/")
    assert len(many) == len(few)


def test_a_label_is_escaped(programme_client, form_page, call):
    """An answer written « <script> » is text in the SVG and the table, never markup."""
    CandidatureFactory(
        page=form_page, form_data={"public_concerne": "<script>x</script>"}
    )
    html = programme_client.get("/admin/chiffres/").content.decode()
    assert "<script>x</script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    answers = bar_values(chart_svg(html, "par-reponse"))
    assert answers["<script>x</script>"] == 1


def test_a_formula_in_an_answer_is_neutralised_in_the_csv(
    programme_client, form_page, call
):
    """An answer that a spreadsheet would run (« =1+1 ») is written as text."""
    CandidatureFactory(page=form_page, form_data={"public_concerne": "=1+1"})
    frame = read_csv(
        programme_client.get(f"/admin/chiffres/csv/par-reponse/?appel={call.pk}")
    )
    assert list(frame.iloc[:, 0]) == ["'=1+1"]


def test_a_call_without_candidatures_draws_empty_charts(programme_client, call):
    """No candidature yet, no dates: the page still answers, with zeros."""
    response = programme_client.get("/admin/chiffres/")
    assert response.status_code == 200
    html = response.content.decode()
    assert set(bar_values(chart_svg(html, "par-statut")).values()) == {0}
    assert set(bar_values(chart_svg(html, "entonnoir")).values()) == {0}


def test_a_call_open_for_months_counts_weeks(programme_client, candidatures, call):
    """Past three months a column a day would be unreadable: a column a week."""
    call.rolling, call.closes_at = True, None
    call.preselection_date = call.selection_date = call.investigations_start = None
    call.save()
    late = candidatures[0]
    Candidature.objects.filter(pk=late.pk).update(
        submit_time=timezone.make_aware(dt.datetime(2027, 5, 4, 10))
    )
    html = programme_client.get("/admin/chiffres/").content.decode()
    svg = chart_svg(html, "par-jour")
    assert "par semaine" in svg.find(f"{SVG}title").text
    columns = list(svg.iter(f"{SVG}rect"))
    assert 26 <= len(columns) <= 28  # 2 November to 4 May, a column a week
    assert sum(bar_values(svg).values()) == len(candidatures)
    weeks = read_csv(
        programme_client.get(f"/admin/chiffres/csv/par-jour/?appel={call.pk}")
    )
    assert weeks.columns[0] == "Semaine du"
    assert weeks["Semaine du"][0] == "02/11/2026"  # a Monday
