import pytest
from wagtail.models import Page, Site

from cms_pages.factories import (
    CallPageFactory,
    FaqPageFactory,
    HomePageFactory,
    NewsArticlePageFactory,
    NewsIndexPageFactory,
    ProgrammePageFactory,
)


@pytest.fixture(autouse=True, scope="session")
def urlconf_loaded():
    """The API builds its schemas when the URLs load: never under a frozen clock."""
    import amorce.urls  # noqa: F401


@pytest.fixture
def paula(db):
    """A member of the programme team."""
    from tests.users import member_of

    return member_of("Équipe programme", "paula")


@pytest.fixture
def programme_client(client, paula):
    client.force_login(paula)
    return client


@pytest.fixture
def site(db):
    """Wagtail's default site, rooted at a fresh home page."""
    root = Page.get_first_root_node()
    home = HomePageFactory(parent=root, slug="accueil-test", title="Accueil test")
    default = Site.objects.get(is_default_site=True)
    default.root_page = home
    default.save()
    return default


@pytest.fixture
def home(site):
    return site.root_page.specific


@pytest.fixture
def programme(home):
    return ProgrammePageFactory(
        parent=home,
        slug="programme",
        phases=[
            {
                "code": "investigation",
                "title": "Investigation",
                "min_duration": 6,
                "max_duration": 9,
                "duration_unit": "weeks",
            },
            {
                "code": "construction",
                "title": "Construction",
                "min_duration": 6,
                "max_duration": 12,
                "duration_unit": "months",
            },
        ],
    )


@pytest.fixture
def call(programme):
    return CallPageFactory(
        parent=programme,
        slug="appel",
        title="Appel de test",
        criteria=[
            {"label": "Ampleur du problème", "weight": 2},
            {"label": "Motivation", "weight": 1},
            {"label": "Idée de solution", "weight": 1, "scale_max": 10},
        ],
    )


@pytest.fixture
def faq(call):
    return FaqPageFactory(
        parent=call,
        slug="faq",
        title="Questions fréquentes",
        body=FaqPageFactory.body_from_sections(
            [("Candidater", [("Qui peut candidater ?", "<p>Tous les agents.</p>")])]
        ),
    )


@pytest.fixture
def news_index(home):
    return NewsIndexPageFactory(parent=home)


@pytest.fixture
def article(news_index):
    return NewsArticlePageFactory(
        parent=news_index,
        slug="une-actualite",
        title="Une actualité",
        tags=["Territoires"],
    )


@pytest.fixture
def form_page(call):
    from forms.factories import CandidatureFormPageFactory

    return CandidatureFormPageFactory(
        parent=call,
        slug="candidater",
        notification_emails="programme@example.org",
        fields=[
            {"label": "Le problème", "field_type": "multiline", "max_length": 500},
            {
                "label": "Public concerné",
                "field_type": "dropdown",
                "choices": "Agents\nUsagers",
            },
            {"label": "Idée", "field_type": "singleline", "required": False},
            {
                "label": "Contexte",
                "field_type": "section",
                "help_text": "Des pièces utiles",
            },
            {
                "label": "Pièces jointes",
                "field_type": "file",
                "required": False,
                "max_files": 2,
                "max_file_size_mb": 1,
                "allowed_file_types": "pdf,docx,png",
            },
        ],
    )


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with no count of attempts left by another (the limits live in the cache)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def clamd_server(tmp_path_factory):
    """A real clamd for the session, with the EICAR signatures made by sigtool."""
    from tests.clamd import Clamd, skip_unless_installed

    skip_unless_installed()
    daemon = Clamd(tmp_path_factory.mktemp("clamd")).start()
    yield daemon
    daemon.stop()


@pytest.fixture
def antivirus(settings, clamd_server):
    """Scanning on, with the session's clamd."""
    from django.core.cache import cache

    settings.AMORCE_ANTIVIRUS = True
    settings.AMORCE_CLAMD = clamd_server.address
    settings.AMORCE_CLAMD_TIMEOUT = 10
    settings.AMORCE_CLAMD_STREAM_MAX_LENGTH = 50 * 1024 * 1024
    cache.delete("amorce:antivirus:health")
    return clamd_server
