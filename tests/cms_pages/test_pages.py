"""The public pages render, in French, with the DSFR's markup."""

import json
import re

import pytest
from bs4 import BeautifulSoup

from cms_pages.models import SiteIdentity

pytestmark = pytest.mark.django_db


def get_soup(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return BeautifulSoup(response.content, "html.parser")


def assert_dsfr_page(soup):
    assert soup.html["lang"] == "fr"
    assert soup.select_one("header.fr-header"), "no DSFR header"
    assert soup.select_one("footer.fr-footer#footer"), "no DSFR footer"
    assert soup.select_one("main#content"), "no main landmark the skip link points to"
    skip_targets = [a["href"] for a in soup.select(".fr-skiplinks a")]
    assert skip_targets == ["#content", "#header-navigation", "#footer"]
    assert any("dsfr" in link["href"] for link in soup.select("link[rel=stylesheet]"))
    assert soup.select("h1"), "no page title"


@pytest.mark.parametrize(
    "fixture_name", ["home", "programme", "call", "faq", "news_index", "article"]
)
def test_each_page_type_renders_in_french_with_dsfr(client, request, fixture_name):
    """Every page type answers 200 with the DSFR header, footer and skip links."""
    page = request.getfixturevalue(fixture_name)
    soup = get_soup(client, page.url)
    assert_dsfr_page(soup)
    assert soup.h1.get_text(strip=True) == page.title


def test_child_pages_show_a_breadcrumb_down_from_home(client, faq, call, programme):
    """The FAQ's breadcrumb reads: home, programme, call, then the FAQ itself."""
    soup = get_soup(client, faq.url)
    crumbs = [a.get_text(strip=True) for a in soup.select(".fr-breadcrumb__link")]
    assert crumbs == ["Accueil", programme.title, call.title, faq.title]
    assert soup.select(".fr-breadcrumb__link")[-1]["aria-current"] == "page"


def test_call_page_shows_dates_criteria_and_status(client, call):
    """The call page lists the criteria with weights and scales, and says it is open."""
    soup = get_soup(client, call.url)
    text = soup.get_text(" ", strip=True)
    assert "Vous pouvez déposer vos candidatures jusqu" in text
    rows = soup.select(".amorce-criteria tbody tr")
    assert [row.strong.get_text() for row in rows] == [
        "Ampleur du problème",
        "Motivation",
        "Idée de solution",
    ]
    assert "× 2" in rows[0].get_text()
    assert "de 0 à 10" in rows[2].get_text()
    assert "Pré-sélection par un jury pluridisciplinaire" in text
    assert "Lancement des investigations" in text


def test_closed_call_says_so(client, call):
    """Once closed, the call page says since when, and no longer that it is open."""
    import datetime as dt

    from django.utils import timezone

    call.opens_at = timezone.now() - dt.timedelta(days=20)
    call.closes_at = timezone.now() - dt.timedelta(days=1)
    call.save()
    text = get_soup(client, call.url).get_text(" ", strip=True)
    assert "Cet appel est clos depuis le" in text
    assert "Vous pouvez déposer vos candidatures" not in text


def test_programme_page_lists_phases_and_committee(client, programme):
    """The programme shows its phases with durations and the committee's rhythm."""
    text = get_soup(client, programme.url).get_text(" ", strip=True)
    assert "Investigation" in text and "6 à 9 semaines" in text
    assert "6 à 12 mois" in text
    assert "Il se réunit tous les 6 mois." in text


def test_faq_page_publishes_faqpage_json_ld(client, faq):
    """Search engines get a schema.org FAQPage with every question."""
    soup = get_soup(client, faq.url)
    data = json.loads(soup.select_one('script[type="application/ld+json"]').string)
    assert data["@type"] == "FAQPage"
    assert [q["name"] for q in data["mainEntity"]] == ["Qui peut candidater ?"]
    assert "Tous les agents." in data["mainEntity"][0]["acceptedAnswer"]["text"]


def test_faq_json_ld_cannot_close_its_script(client, faq):
    """A question containing ``</script>`` cannot break out of the JSON-LD."""
    from cms_pages.factories import FaqPageFactory

    faq.body = FaqPageFactory.body_from_sections(
        [("S", [("</script><script>alert(1)</script>", "<p>R</p>")])]
    )
    faq.save()
    html = client.get(faq.url).content.decode()
    assert "<script>alert(1)" not in html
    assert len(re.findall(r"<script[^>]*ld\+json", html)) == 1


def test_news_index_lists_articles_and_filters_by_tag(client, news_index, article):
    """The news list shows articles, and a tag narrows it."""
    from cms_pages.factories import NewsArticlePageFactory

    NewsArticlePageFactory(
        parent=news_index, slug="autre", title="Autre nouvelle", tags=["Autre"]
    )
    soup = get_soup(client, news_index.url)
    titles = [a.get_text(strip=True) for a in soup.select(".fr-card__title a")]
    assert set(titles) == {"Une actualité", "Autre nouvelle"}
    soup = get_soup(client, news_index.url + "?tag=territoires")
    titles = [a.get_text(strip=True) for a in soup.select(".fr-card__title a")]
    assert titles == ["Une actualité"]


def test_header_and_footer_come_from_site_settings(client, site, home):
    """The ministry's name lines, contact and notice are site settings, not code."""
    identity = SiteIdentity.for_site(site)
    identity.name_lines = "Ministère\ndes Essais"
    identity.service_title = "Fabrique des essais"
    identity.contact_email = "contact@essais.example"
    identity.personal_data_notice = "<p>Vos données servent à instruire.</p>"
    identity.save()
    soup = get_soup(client, home.url)
    logo = soup.select_one(".fr-header .fr-logo")
    assert logo.get_text("|", strip=True) == "Ministère|des Essais"
    assert (
        soup.select_one(".fr-header__service-title").get_text(strip=True)
        == "Fabrique des essais"
    )
    assert soup.select_one('footer a[href="mailto:contact@essais.example"]')
    notice = get_soup(
        client, soup.select_one('footer a[href="/donnees-personnelles/"]')["href"]
    )
    assert "Vos données servent à instruire." in notice.get_text()


def test_unknown_page_gets_a_french_404(client, site):
    response = client.get("/n-existe-pas/")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


def test_health_endpoint(client, db):
    response = client.get("/sante/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_public_site_stays_french_for_an_english_browser(client, faq):
    """The content is French: an English browser gets French dates and labels too."""
    response = client.get(faq.url, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.html["lang"] == "fr"
    assert soup.select(".fr-breadcrumb__link")[0].get_text(strip=True) == "Accueil"


def test_home_page_has_no_breadcrumb(client, home):
    soup = get_soup(client, home.url)
    assert not soup.select(".fr-breadcrumb")
