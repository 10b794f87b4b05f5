"""Each site has its theme and its words: `dsfr` for the State, `neutral` otherwise.

Both themes render the same templates: same landmarks, skip links, title and
breadcrumb. The neutral one carries nothing of the State's brand.
"""

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.contrib.staticfiles import finders
from wagtail.models import Page, Site

from amorce.context_processors import STATE_LINKS
from cms_pages.factories import CallPageFactory, HomePageFactory, ProgrammePageFactory
from cms_pages.models import SiteIdentity
from forms.builder import issue_token
from investigations.models import Investigation, LearningsIndexPage
from tests.forms.helpers import post_form

pytestmark = pytest.mark.django_db

PAGE_FIXTURES = [
    "home",
    "programme",
    "call",
    "faq",
    "news_index",
    "article",
    "form_page",
    "learnings",
]
STATE_HOSTS = [re.sub(r"^https?://(www\.)?", "", url) for _label, url in STATE_LINKS]


@pytest.fixture
def learnings(home):
    Investigation.objects.create(
        title="Rendez-vous en préfecture",
        problem_statement="Trois mois d'attente.",
        learnings="Le problème venait de la prise de rendez-vous.",
        publish_learnings=True,
        site=home.get_site(),
    )
    return home.add_child(
        instance=LearningsIndexPage(title="Ce que nous avons appris", slug="appris")
    )


def set_identity(site, **values):
    identity = SiteIdentity.for_site(site)
    for name, value in values.items():
        setattr(identity, name, value)
    identity.save()
    return identity


def soup_of(response):
    assert response.status_code in (200, 404), response.status_code
    return BeautifulSoup(response.content, "html.parser")


def structure(soup):
    """What must not change from one theme to the other."""
    main = soup.select_one("main#content")
    return {
        "lang": soup.html["lang"],
        "header": bool(soup.select_one("header[role=banner]")),
        "main": bool(main),
        "footer": bool(soup.select_one("footer#footer[role=contentinfo]")),
        "skip_links": [a["href"] for a in soup.select(".fr-skiplinks a")],
        "menu": bool(soup.select_one("nav#header-navigation")),
        "h1": [h.get_text(" ", strip=True) for h in soup.select("h1")],
        "breadcrumb": [
            a.get_text(strip=True) for a in soup.select("nav.fr-breadcrumb li a")
        ],
        "headings": [h.name for h in main.select("h1, h2, h3")] if main else [],
        "forms": [
            sorted(field["name"] for field in form.select("[name]"))
            for form in soup.select("main form")
        ],
    }


def stylesheets(soup):
    return [link["href"] for link in soup.select("link[rel=stylesheet]")]


def scripts(soup):
    return [script["src"] for script in soup.select("script[src]")]


def assert_neutral(soup):
    html = str(soup)
    assert any("amorce/css/neutral.css" in href for href in stylesheets(soup))
    assert any("amorce/js/neutral.js" in src for src in scripts(soup))
    assert not [href for href in stylesheets(soup) if "dsfr" in href]
    assert not [src for src in scripts(soup) if "dsfr" in src]
    assert "dsfr/" not in html, "no DSFR asset, favicon included"
    assert "Marianne" not in html
    assert not soup.select(".fr-logo"), "no Marianne logo"
    assert "République française" not in soup.get_text(" ", strip=True)
    for host in STATE_HOSTS:
        assert host not in html, host


def assert_dsfr(soup):
    assert any("dsfr" in href for href in stylesheets(soup))
    assert any("dsfr" in src for src in scripts(soup))
    assert "neutral.css" not in str(soup)
    assert soup.select_one("header .fr-logo")
    footer_links = [a["href"] for a in soup.select("footer a")]
    for _label, url in STATE_LINKS:
        assert url in footer_links


def url_of(request, name):
    if name == "personal_data":
        return "/donnees-personnelles/"
    if name == "not_found":
        return "/cette-page-n-existe-pas/"
    return request.getfixturevalue(name).url


@pytest.mark.parametrize("name", [*PAGE_FIXTURES, "personal_data", "not_found"])
def test_both_themes_render_each_page_with_the_same_structure(client, request, name):
    """Every public page type has the same landmarks, skip links, title and breadcrumb in both themes."""
    site = request.getfixturevalue("site")
    url = url_of(request, name)
    soups = {}
    for theme in ("dsfr", "neutral"):
        set_identity(site, theme=theme)
        soups[theme] = soup_of(client.get(url))
    dsfr, neutral = structure(soups["dsfr"]), structure(soups["neutral"])
    assert dsfr == neutral
    assert dsfr["header"] and dsfr["main"] and dsfr["footer"] and dsfr["menu"]
    assert dsfr["skip_links"] == ["#content", "#header-navigation", "#footer"]
    assert len(dsfr["h1"]) == 1
    if name not in ("home", "personal_data", "not_found"):
        assert dsfr["breadcrumb"][0] == "Accueil"
    assert_dsfr(soups["dsfr"])
    assert_neutral(soups["neutral"])


def test_form_errors_keep_their_summary_in_the_neutral_theme(client, site, form_page):
    """A refused submission lists its errors, each linked to its field, in both themes."""
    for theme in ("dsfr", "neutral"):
        set_identity(site, theme=theme)
        soup = soup_of(client.post(form_page.url, {"jeton": issue_token(form_page)}))
        summary = soup.select_one("#form-errors[role=alert]")
        assert summary, theme
        targets = [a["href"] for a in summary.select("a")]
        assert "#id_identity_email" in targets
        assert all(soup.select_one(target) for target in targets)


def test_neutral_theme_never_shows_the_state_name_lines(client, site, home):
    """A site switched to neutral that kept the default « République française » shows no brand lines."""
    set_identity(site, theme="neutral", name_lines="République\nfrançaise")
    soup = soup_of(client.get(home.url))
    assert_neutral(soup)
    assert soup.select_one(".fr-header__service-title").get_text(strip=True)


def test_neutral_theme_shows_the_authority_in_plain_text(client, site, home):
    """The neutral header shows the authority's name lines and the service, as text."""
    set_identity(
        site,
        theme="neutral",
        name_lines="Ville d'Exemple\nDirection du numérique",
        service_title="Laboratoire d'Exemple",
        tagline="Les agents proposent, la ville expérimente",
    )
    soup = soup_of(client.get(home.url))
    brand = soup.select_one("header .amorce-brand")
    assert brand.get_text("|", strip=True) == "Ville d'Exemple|Direction du numérique"
    assert not brand.select("img, svg")
    header = soup.select_one("header").get_text(" ", strip=True)
    assert "Laboratoire d'Exemple" in header
    assert "Les agents proposent, la ville expérimente" in header
    assert "Laboratoire d'Exemple" in soup.select_one("footer").get_text()


def test_neutral_accordions_work_without_the_dsfr(client, site, faq):
    """The FAQ's accordions keep their buttons and panels; our script and stylesheet fold them."""
    set_identity(site, theme="neutral")
    soup = soup_of(client.get(faq.url))
    buttons = soup.select(".fr-accordion__btn")
    assert buttons
    for button in buttons:
        assert button["aria-expanded"] == "false"
        assert soup.find(id=button["aria-controls"])
    script = Path(finders.find("amorce/js/neutral.js")).read_text(encoding="utf-8")
    assert "aria-expanded" in script and "fr-collapse--expanded" in script
    assert not soup.select("script:not([src]):not([type='application/ld+json'])"), (
        "no inline script"
    )


def test_neutral_stylesheet_styles_the_classes_the_templates_use(client, request, site):
    """Each fr-* class of the public pages is styled by neutral.css, or left plain on purpose."""
    set_identity(site, theme="neutral")
    used = set()
    for name in PAGE_FIXTURES:
        soup = soup_of(client.get(url_of(request, name)))
        for element in soup.select("[class]"):
            used.update(c for c in element["class"] if c.startswith("fr-"))
    form_page = request.getfixturevalue("form_page")
    soup = soup_of(client.post(form_page.url, {"jeton": issue_token(form_page)}))
    for element in soup.select("[class]"):
        used.update(c for c in element["class"] if c.startswith("fr-"))
    css = Path(finders.find("amorce/css/neutral.css")).read_text(encoding="utf-8")
    styled = set(re.findall(r"\.(fr-[a-z0-9_-]+)", css))
    # Containers that need no rule of their own, and the DSFR's icons and
    # mobile menu, which the neutral theme goes without.
    plain = {
        "fr-header__body",
        "fr-header__logo",
        "fr-header__service",
        "fr-nav",
        "fr-tile--vertical",
        "fr-tile__body",
        "fr-tile__content",
        "fr-footer__content-item",
        "fr-footer__bottom-item",
        "fr-btn--menu",
        "fr-btn--close",
        "fr-modal",
        "fr-collapse",
        "fr-link--icon-left",
        "fr-btn--icon-left",
    }
    unstyled = {
        c for c in used - styled - plain if not c.startswith(("fr-icon-", "fr-fi-"))
    }
    assert not unstyled, ", ".join(sorted(unstyled))


# Two sites in one instance -------------------------------------------------


@pytest.fixture
def town(site):
    """A second site, for a town's incubator, on its own host name."""
    home = HomePageFactory(
        parent=Page.get_first_root_node(), slug="accueil-ville", title="Accueil ville"
    )
    programme = ProgrammePageFactory(parent=home, slug="programme", title="Programme")
    CallPageFactory(parent=programme, slug="appel", title="Appel de la ville")
    town = Site.objects.create(
        hostname="ville.example", port=80, root_page=home, site_name="Ville"
    )
    set_identity(
        town,
        theme="neutral",
        name_lines="Ville d'Exemple",
        service_title="Laboratoire d'Exemple",
        term_candidature="projet",
        term_candidatures="projets",
    )
    return town


def test_two_sites_each_render_their_own_theme(client, site, home, call, town):
    """The State's site and the town's, in one instance, each get their own theme and words."""
    set_identity(site, theme="dsfr", service_title="Incubateur d'Exemple")
    state = soup_of(client.get(home.url))
    assert_dsfr(state)
    assert "Incubateur d'Exemple" in state.select_one("header").get_text()
    assert "Appels à candidatures" in state.get_text(" ", strip=True)

    for host in ("ville.example", None):
        extra = {"HTTP_HOST": host} if host else {"SERVER_NAME": "ville.example"}
        town_soup = soup_of(client.get("/", **extra))
        assert_neutral(town_soup)
        assert "Ville d'Exemple" in town_soup.select_one("header").get_text()
        text = town_soup.get_text(" ", strip=True)
        assert "Appels à projets" in text and "Appel de la ville" in text
        assert call.title not in text

    call_soup = soup_of(client.get("/programme/appel/", HTTP_HOST="ville.example"))
    assert_neutral(call_soup)
    assert "Vous pouvez déposer vos projets" in call_soup.get_text(" ", strip=True)
    # The State's site is untouched by the town's settings.
    assert_dsfr(soup_of(client.get(call.url)))


# Vocabulary ----------------------------------------------------------------


@pytest.fixture
def projects(site):
    """This programme calls its candidatures « projets » and investigations « explorations »."""
    return set_identity(
        site,
        term_candidature="projet",
        term_candidatures="projets",
        term_investigation="exploration",
    )


def text_of(client, url):
    return soup_of(client.get(url)).get_text(" ", strip=True)


def test_call_and_home_use_the_sites_words(client, projects, home, call, form_page):
    """The call list, the call and its button say « projets », not « candidatures »."""
    home_text = text_of(client, home.url)
    assert "Appels à projets" in home_text
    call_text = text_of(client, call.url)
    assert "Déposer votre projet" in call_text
    assert "Vous pouvez déposer vos projets jusqu'au" in call_text
    assert "Déposer une candidature" not in call_text


def test_form_and_confirmation_use_the_sites_words(client, projects, form_page):
    """The form's button and the confirmation speak of the « projet »."""
    soup = soup_of(client.get(form_page.url))
    assert soup.select_one("form button[type=submit]").get_text(strip=True) == (
        "Envoyer votre projet"
    )
    landing = soup_of(post_form(client, form_page)).get_text(" ", strip=True)
    assert "Nous avons bien reçu votre projet" in landing
    assert re.search(r"Votre projet porte la référence \w+-\d{4}-\d{4}", landing)
    assert "Déposer d'autres projets" in landing


def test_learnings_page_uses_the_sites_word_for_investigations(
    client, projects, learnings
):
    """Each published learning is labelled with the site's word for an investigation."""
    assert "Exploration · " in text_of(client, learnings.url)


def test_default_words_read_as_before(client, site, call, form_page):
    """Without settings, the words are « candidature » and « candidatures »."""
    assert "Déposer votre candidature" in text_of(client, call.url)
    soup = soup_of(client.get(form_page.url))
    assert "Envoyer votre candidature" in soup.select_one("form").get_text()
