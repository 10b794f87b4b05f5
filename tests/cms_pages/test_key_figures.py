"""« Chiffres clés » on the programme page: counts the editor picks, of the page's
own site, none under the threshold."""

import pytest
from bs4 import BeautifulSoup

from cms_pages.key_figures import MIN_SHOWN
from forms.factories import CandidatureFactory, CandidatureFormPageFactory
from investigations.models import Investigation, LaureateList, Organisation
from tests.cms_pages.test_themes import set_identity
from tests.incubators import add_second_incubator

pytestmark = pytest.mark.django_db


def with_figures(programme, *figures):
    programme.body = [
        {
            "type": "key_figures",
            "value": {
                "title": "Chiffres clés",
                "figures": [
                    {"figure": figure, "call": call, "label": label}
                    for figure, call, label in figures
                ],
            },
        }
    ]
    programme.save_revision().publish()
    return programme


def figures_on(client, programme):
    response = client.get(programme.url)
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    return {
        item.select_one(".amorce-key-figure__label").get_text(): item.select_one(
            ".amorce-key-figure__number"
        ).get_text()
        for item in soup.select(".amorce-key-figures li")
    }


def test_the_page_shows_the_counts_chosen(client, programme, call, form_page):
    """Received candidatures of one call (cancelled aside), investigations and
    administrations of the site."""
    CandidatureFactory.create_batch(6, page=form_page)
    CandidatureFactory(page=form_page, status="cancelled")
    site = programme.get_site()
    organisations = [
        Organisation.objects.create(name=f"Commune {n}", kind="city", site=site)
        for n in range(5)
    ]
    for n in range(5):
        investigation = Investigation.objects.create(
            title=f"Enquête {n}", problem_statement="Un problème", site=site
        )
        investigation.organisations.add(organisations[n])
    with_figures(
        programme,
        ("candidatures", call.pk, ""),
        ("investigations", None, "Investigations"),
        ("administrations", None, ""),
    )
    assert figures_on(client, programme) == {
        "Candidatures reçues": "6",
        "Investigations": "5",
        "Administrations accompagnées": "5",
    }


def test_a_figure_under_the_threshold_is_hidden(client, programme, call, form_page):
    """Four laureates could be named by the few who know them: not shown; with no
    figure left, the block is not drawn at all."""
    LaureateList.objects.create(call=call, published=True)
    CandidatureFactory.create_batch(MIN_SHOWN - 1, page=form_page, status="selected")
    with_figures(programme, ("laureates", None, ""))
    html = client.get(programme.url).content.decode()
    assert "amorce-key-figures" not in html
    CandidatureFactory(page=form_page, status="selected")
    assert figures_on(client, programme) == {"Lauréats": str(MIN_SHOWN)}


def test_laureates_count_once_the_team_announces_them(
    client, programme, call, form_page
):
    """Decided but not yet announced (the call's list of laureates not published):
    the public page would tell it before the team does."""
    CandidatureFactory.create_batch(MIN_SHOWN + 2, page=form_page, status="selected")
    with_figures(programme, ("laureates", None, ""))
    assert "amorce-key-figures" not in client.get(programme.url).content.decode()
    LaureateList.objects.create(call=call, published=True)
    assert figures_on(client, programme) == {"Lauréats": str(MIN_SHOWN + 2)}


def test_another_sites_call_is_not_counted(client, programme, form_page):
    """A call of another site picked in the chooser counts nothing here."""
    _site_b, call_b = add_second_incubator()
    form_b = CandidatureFormPageFactory(parent=call_b, slug="candidater", fields=[])
    CandidatureFactory.create_batch(MIN_SHOWN + 1, page=form_b)
    with_figures(programme, ("candidatures", call_b.pk, ""))
    assert "amorce-key-figures" not in client.get(programme.url).content.decode()


@pytest.mark.parametrize("theme", ["dsfr", "neutral"])
def test_both_themes_draw_the_block(client, programme, form_page, theme):
    set_identity(programme.get_site(), theme=theme)
    CandidatureFactory.create_batch(MIN_SHOWN, page=form_page)
    with_figures(programme, ("candidatures", None, ""))
    assert figures_on(client, programme) == {"Candidatures reçues": str(MIN_SHOWN)}
