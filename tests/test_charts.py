"""core.charts: plain data in, a well-formed, named, escaped SVG image out."""

import pytest
from defusedxml import ElementTree

from core.charts import bar_chart, column_chart, funnel_chart

SVG = "{http://www.w3.org/2000/svg}"
EVIL = '<script>alert("x")</script> & « Ça »'
DRAWERS = [bar_chart, column_chart, funnel_chart]


@pytest.mark.parametrize("draw", DRAWERS)
def test_a_chart_is_an_image_named_by_its_title(draw):
    svg = ElementTree.fromstring(str(draw("c1", "Titre", "Résumé", [("A", 3)])))
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "c1-title c1-desc"
    assert svg.find(f"{SVG}title").text == "Titre"
    assert svg.find(f"{SVG}desc").text == "Résumé"
    assert not any(element.get("style") for element in svg.iter())  # CSP-proof


@pytest.mark.parametrize("draw", DRAWERS)
def test_labels_are_escaped_text_never_markup(draw):
    """A label « <script>… » reads back as the same text, and adds no element."""
    markup = str(draw("c1", EVIL, EVIL, [(EVIL, 2), ("B", 1)]))
    assert "<script>" not in markup
    svg = ElementTree.fromstring(markup)
    assert not list(svg.iter(f"{SVG}script"))
    tooltips = [rect.find(f"{SVG}title").text for rect in svg.iter(f"{SVG}rect")]
    assert tooltips[0].startswith(EVIL + " : 2")


@pytest.mark.parametrize("draw", DRAWERS)
def test_one_bar_per_value_in_proportion(draw):
    svg = ElementTree.fromstring(
        str(draw("c1", "t", "d", [("a", 10), ("b", 5), ("c", 0)]))
    )
    widths = [
        float(rect.get("height" if draw is column_chart else "width"))
        for rect in svg.iter(f"{SVG}rect")
    ]
    assert len(widths) == 3
    assert widths[1] == pytest.approx(widths[0] / 2, abs=1) and widths[2] == 0


@pytest.mark.parametrize("draw", DRAWERS)
def test_no_data_still_draws(draw):
    ElementTree.fromstring(str(draw("c1", "t", "d", [])))


def test_the_marks_of_a_chart_by_day_are_drawn():
    svg = ElementTree.fromstring(
        str(column_chart("c1", "t", "d", [("01/11", 1)] * 5, marks=[(0, "ouverture")]))
    )
    lines = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "amorce-mark"]
    assert len(lines) == 1 and lines[0].find(f"{SVG}text").text == "ouverture"
