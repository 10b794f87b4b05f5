"""Public pages kept whole for visitors with no session: served with no SQL
query, each with its own CSP nonce, never stale after a publication, a
settings change or a call's opening or closing second, never shared between
sites, never kept when they hold something of one visitor or one moment."""

import datetime as dt
import re

import pytest
from django.apps import apps
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from freezegun import freeze_time
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file

from cms_pages.factories import CallPageFactory
from cms_pages.models import CallPage, SiteIdentity
from core import pagecache
from forms.factories import CandidatureFactory
from investigations.models import LaureateList
from tests.cms_pages.test_key_figures import with_figures
from tests.incubators import B_HOST, add_second_incubator

pytestmark = pytest.mark.django_db

NONCE = re.compile(r'nonce="([^"]+)"')


@pytest.fixture(autouse=True)
def identity(site):
    """The site's identity row, as on a running site (its first read creates it,
    which makes the entries rendered meanwhile stale)."""
    return SiteIdentity.for_site(site)


def get(client, url, **extra):
    response = client.get(url, **extra)
    assert response.status_code == 200
    return response


def cache_state(response):
    return response.get("X-Amorce-Cache")


def test_a_hit_costs_no_query_and_a_miss_one_more_than_the_render(
    client, call, settings
):
    """The second visit is answered from the cache, without the database; the
    first costs the page's render plus one query (the next opening or closing)."""
    settings.AMORCE_PAGE_CACHE_SECONDS = 0
    get(client, call.url)  # warms what a running server keeps (site root paths)
    with CaptureQueriesContext(connection) as render:
        get(client, call.url)
    settings.AMORCE_PAGE_CACHE_SECONDS = 300
    with CaptureQueriesContext(connection) as miss:
        first = get(client, call.url)
    with CaptureQueriesContext(connection) as hit:
        second = get(client, call.url)
    assert cache_state(first) == "miss"
    assert cache_state(second) == "hit"
    assert len(hit) == 0
    assert len(render) == 17
    assert len(miss) == len(render) + 1
    assert NONCE.sub("", second.content.decode()) == NONCE.sub(
        "", first.content.decode()
    )


def test_each_hit_carries_its_own_nonce_in_header_and_body(client, call):
    """The nonce stays unique per response, the same in the policy and the page."""
    nonces = []
    for _ in range(3):
        response = get(client, call.url)
        body = set(NONCE.findall(response.content.decode()))
        assert len(body) == 1
        (nonce,) = body
        assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
        nonces.append(nonce)
    assert len(set(nonces)) == 3


def test_a_publication_is_seen_at_once(client, call, programme):
    """Publishing a revision, of the page or of another of its site, makes entries stale."""
    get(client, call.url)
    assert cache_state(get(client, call.url)) == "hit"
    call.title = "Appel retitré"
    call.save_revision().publish()
    response = get(client, call.url)
    assert cache_state(response) == "miss"
    assert "Appel retitré" in response.content.decode()
    # The menu and the breadcrumb show the programme's title: its publication counts too.
    programme.title = "Programme retitré"
    programme.save_revision().publish()
    assert "Programme retitré" in get(client, call.url).content.decode()


def test_a_draft_keeps_the_entries(client, call):
    """A draft saved changes nothing the public sees: the entry is still served."""
    get(client, call.url)
    call.title = "Brouillon"
    call.save_revision()
    response = get(client, call.url)
    assert cache_state(response) == "hit"
    assert "Brouillon" not in response.content.decode()


def test_an_unpublished_page_is_not_served(client, call):
    get(client, call.url)
    url = call.url
    call.unpublish()
    assert client.get(url).status_code == 404


def test_a_settings_change_is_seen_at_once(client, call, identity):
    """The header and footer read the site's identity: its save makes entries stale."""
    get(client, call.url)
    identity.service_title = "Service renommé"
    identity.save()
    assert "Service renommé" in get(client, call.url).content.decode()


def test_a_cached_open_call_is_never_served_after_its_closing(client, programme):
    """« Ouvert » until the closing minute's last second, « Clos » from the next one."""
    now = timezone.now().replace(microsecond=0)
    call = CallPageFactory(
        parent=programme,
        slug="dernier-jour",
        opens_at=now - dt.timedelta(days=10),
        closes_at=now + dt.timedelta(hours=1),
    )
    limit = call.closing_limit
    with freeze_time(limit - dt.timedelta(seconds=30)):
        first = get(client, call.url)
        assert cache_state(first) == "miss"
        assert "Ouvert" in first.content.decode()
    with freeze_time(limit):  # the last second that counts: still open, still kept
        last = get(client, call.url)
        assert cache_state(last) == "hit"
    with freeze_time(limit + dt.timedelta(seconds=1)):
        closed = get(client, call.url)
        assert cache_state(closed) != "hit"
        assert "Ouvert" not in closed.content.decode()
        assert "Cet appel est clos" in closed.content.decode()


def test_a_call_opening_makes_the_programme_page_stale(client, programme):
    """Another page showing the call's state (the programme's list) follows its opening."""
    now = timezone.now().replace(microsecond=0)
    call = CallPageFactory(
        parent=programme,
        slug="bientot",
        title="Appel bientôt",
        opens_at=now + dt.timedelta(minutes=5),
        closes_at=now + dt.timedelta(days=5),
    )
    with freeze_time(call.opens_at - dt.timedelta(seconds=1)):
        assert "Bientôt ouvert" in get(client, programme.url).content.decode()
        assert cache_state(get(client, programme.url)) == "hit"
    with freeze_time(call.opens_at):
        response = get(client, programme.url)
        assert cache_state(response) != "hit"
        assert "Bientôt ouvert" not in response.content.decode()


def test_entries_last_at_most_the_setting(client, call, settings):
    settings.AMORCE_PAGE_CACHE_SECONDS = 60
    now = timezone.now()
    with freeze_time(now):
        get(client, call.url)
    with freeze_time(now + dt.timedelta(seconds=59)):
        assert cache_state(get(client, call.url)) == "hit"
    with freeze_time(now + dt.timedelta(seconds=61)):
        assert cache_state(get(client, call.url)) == "miss"


def test_zero_switches_the_cache_off(client, call, settings):
    settings.AMORCE_PAGE_CACHE_SECONDS = 0
    get(client, call.url)
    assert cache_state(get(client, call.url)) is None


def test_a_signed_in_user_neither_gets_nor_leaves_an_entry(client, call, paula):
    """Their page has the admin's user bar: never kept, and they never get the visitors'."""
    client.force_login(paula)
    mine = get(client, call.url)
    assert cache_state(mine) is None
    client.logout()
    visitor = get(client, call.url)
    assert cache_state(visitor) == "miss"  # the signed-in page was not kept
    assert "wagtail-userbar" not in visitor.content.decode()
    client.force_login(paula)
    again = get(client, call.url)
    assert cache_state(again) is None
    assert "wagtail-userbar" in again.content.decode()


def test_a_page_with_key_figures_is_never_kept(client, programme):
    """Its counts change with every submission."""
    with_figures(programme, ("candidatures", None, ""))
    get(client, programme.url)
    assert cache_state(get(client, programme.url)) is None


def test_the_form_page_is_never_kept(client, form_page):
    """It holds a CSRF token: each visitor gets their own."""
    get(client, form_page.url)
    assert cache_state(get(client, form_page.url)) is None


def test_a_query_string_or_a_session_goes_the_usual_way(client, call, settings):
    get(client, call.url)
    assert cache_state(get(client, call.url + "?utm_source=courriel")) is None
    client.cookies[settings.SESSION_COOKIE_NAME] = "inconnue"
    assert cache_state(get(client, call.url)) is None


def test_two_sites_never_share_an_entry(client, home, identity):
    """The same path on two sites: two entries, each invalidated with its own site."""
    theirs_site, _call = add_second_incubator()
    SiteIdentity.for_site(theirs_site)
    ours = get(client, "/")
    theirs = get(client, "/", HTTP_HOST=B_HOST)
    assert cache_state(theirs) == "miss"
    assert "Fabrique de la Mer" in theirs.content.decode()
    assert "Fabrique de la Mer" not in ours.content.decode()
    assert cache_state(get(client, "/")) == "hit"
    assert cache_state(get(client, "/", HTTP_HOST=B_HOST)) == "hit"
    identity.service_title = "Notre service"
    identity.save()
    assert cache_state(get(client, "/")) == "miss"
    assert cache_state(get(client, "/", HTTP_HOST=B_HOST)) == "hit"


def test_a_cache_that_does_not_answer_leaves_the_page_served(client, call, monkeypatch):
    """The page cache's store down: the page is rendered as without it, never an error."""

    class Down:
        def __getattr__(self, name):
            raise ConnectionError("cache down")

    monkeypatch.setattr("core.pagecache.cache", Down())
    response = get(client, call.url)
    assert cache_state(response) is None
    assert "Appel de test" in response.content.decode()


def test_a_candidature_keeps_the_entries(client, call, form_page):
    """On the last day submissions pour in: they change no cached page (but the
    first of a form's version, which stores its definition in the page's row)."""
    form_page.get_definition()
    get(client, call.url)
    assert cache_state(get(client, call.url)) == "hit"
    CandidatureFactory(page=form_page)
    assert cache_state(get(client, call.url)) == "hit"


def test_an_image_change_is_seen_at_once(client, call):
    """Images and documents may be shown by any site's pages: every site's entries go."""
    get(client, call.url)
    get_image_model().objects.create(title="Logo", file=get_test_image_file())
    assert cache_state(get(client, call.url)) == "miss"


def test_a_change_saved_during_the_render_is_never_hidden(client, call, monkeypatch):
    """The generation is read before the render: a page rendered while a change
    was saved is kept with the older one, and never served."""
    render = CallPage.get_context

    def render_while_publishing(self, request, *args, **kwargs):
        pagecache.bump()
        return render(self, request, *args, **kwargs)

    monkeypatch.setattr(CallPage, "get_context", render_while_publishing)
    assert cache_state(get(client, call.url)) == "miss"
    monkeypatch.undo()
    assert cache_state(get(client, call.url)) == "miss"
    assert cache_state(get(client, call.url)) == "hit"


def test_the_laureates_page_is_never_kept(client, call):
    """It reads the investigations the team edits at any time."""
    LaureateList.objects.create(call=call, published=True)
    get(client, call.url + "laureats/")
    assert cache_state(get(client, call.url + "laureats/")) is None


def test_migrate_runs_before_the_cache_table_exists(settings):
    """The release step runs ``migrate``, then ``createcachetable``: on a new
    database cached in itself, the first ``migrate`` must not fail on the
    cache's missing table (there is nothing to make stale yet)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "amorce_cache_not_created_yet",
        }
    }
    key = f"{pagecache.PREFIX}gen:{pagecache.ALL_SITES}"
    pagecache._on_migrate(sender=apps.get_app_config("cms_pages"))
    call_command("createcachetable", verbosity=0)
    assert cache.get(key) is None
    pagecache._on_migrate(sender=apps.get_app_config("cms_pages"))
    assert cache.get(key), "once the table exists, a migrate makes entries stale"


def test_entries_rendered_before_a_change_commits_are_never_served(site, identity):
    """A page rendered between the save and the commit reads the new generation
    but the data as it was: the commit renews the generation once more."""
    with TestCase.captureOnCommitCallbacks(execute=True), transaction.atomic():
        identity.service_title = "Service renommé"
        identity.save()
        during = pagecache._generations(site.pk)
    assert pagecache._generations(site.pk) != during
