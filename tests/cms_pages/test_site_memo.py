"""What a process keeps of a site between requests (its identity, its webhook
endpoints) is read again as soon as any process saves a change, and never
keeps what a rolled-back transaction wrote.

Committed for real (a transactional test): inside the usual test transaction
nothing is kept at all.
"""

import itertools
import os
import time

import pytest
import redis
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from cms_pages.models import SiteIdentity
from core import pagecache
from forms.models import Candidature
from tests.forms.helpers import answers, post_form
from tests.incubators import add_second_incubator
from tests.webhooks.receiver import Receiver
from webhooks.models import Delivery, Endpoint
from webhooks.services import active_endpoints

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


REDIS_URL = os.environ.get("AMORCE_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


def redis_cache(url=REDIS_URL):
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
        }
    }


@pytest.fixture(autouse=True)
def shared_cache(settings):
    """A cache every process shares, as in production: Redis (skipped without
    one, failed instead under ``AMORCE_REQUIRE_REDIS``, which CI sets)."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("AMORCE_REQUIRE_REDIS"):
            pytest.fail(
                f"AMORCE_REQUIRE_REDIS is set and no Redis answers at {REDIS_URL}"
            )
        pytest.skip(f"no Redis at {REDIS_URL}")
    settings.CACHES = redis_cache()
    pagecache._REMEMBERED.clear()
    cache.clear()
    yield
    settings.CACHES = redis_cache()
    cache.clear()
    pagecache._REMEMBERED.clear()


IDEAS = itertools.count(1)


def submit(client, form_page):
    """A candidature through the form, each with its own answers (the same ones
    again would be taken for the first)."""
    before = Candidature.objects.count()
    post_form(client, form_page, answers(idee=f"Idée n° {next(IDEAS)}"))
    assert Candidature.objects.count() == before + 1


def test_an_endpoint_added_or_switched_off_counts_from_the_next_submission(
    client, form_page, site
):
    submit(client, form_page)  # no endpoint yet: the process keeps « none »
    with Receiver() as receiver:
        endpoint = Endpoint.objects.create(
            site=site,
            name="Tableur",
            url=receiver.url,
            events=["candidature.submitted"],
        )
        submit(client, form_page)
        assert len(receiver.posts) == 1
        endpoint.active = False
        endpoint.save()
        submit(client, form_page)
        assert len(receiver.posts) == 1
    assert Delivery.objects.count() == 1


def test_an_endpoint_saved_then_rolled_back_is_never_kept(site):
    assert active_endpoints(site) == ()
    with pytest.raises(RuntimeError), transaction.atomic():
        Endpoint.objects.create(
            site=site, name="Essai", url="https://hooks.example.org/x", events=[]
        )
        assert len(active_endpoints(site)) == 1  # its own transaction sees it
        raise RuntimeError("annulé")
    assert active_endpoints(site) == ()


def test_the_identity_is_read_once_per_process_until_it_changes(client, call, site):
    identity = SiteIdentity.for_site(site)
    url = call.url + "?sans-cache=1"  # a query string: never from the page cache
    client.get(url)
    with CaptureQueriesContext(connection) as kept:
        response = client.get(url)
    assert response.status_code == 200
    assert not any("cms_pages_siteidentity" in q["sql"] for q in kept.captured_queries)

    identity.service_title = "Service renommé"
    identity.save()
    assert "Service renommé" in client.get(url).content.decode()


def test_a_change_no_signal_reported_is_read_again_after_a_cached_pages_time(
    client, call, site, settings
):
    """A raw update renews no generation: what the process kept is read again at
    the latest when a cached page would be."""
    settings.AMORCE_PAGE_CACHE_SECONDS = 1
    SiteIdentity.for_site(site)
    url = call.url + "?sans-cache=1"
    client.get(url)
    SiteIdentity.objects.filter(site=site).update(service_title="Changé en base")
    assert "Changé en base" not in client.get(url).content.decode()  # kept
    time.sleep(1.1)
    assert "Changé en base" in client.get(url).content.decode()


def test_an_endpoint_moved_to_another_site_leaves_the_first(site):
    other, _call = add_second_incubator()
    endpoint = Endpoint.objects.create(
        site=site, name="Tableur", url="https://hooks.example.org/x", events=[]
    )
    assert [e.pk for e in active_endpoints(site)] == [endpoint.pk]
    endpoint.site = other
    endpoint.save()
    assert active_endpoints(site) == ()
    assert [e.pk for e in active_endpoints(other)] == [endpoint.pk]


def identity_queries(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as read:
        assert client.get(url).status_code == 200
    return [q for q in read.captured_queries if "cms_pages_siteidentity" in q["sql"]]


@pytest.mark.parametrize(
    "backend",
    [
        "django.core.cache.backends.db.DatabaseCache",
        # Each process its own memory: a change saved by one would not reach the others.
        "django.core.cache.backends.locmem.LocMemCache",
    ],
)
def test_a_cache_not_shared_or_in_the_database_keeps_nothing(
    client, call, settings, backend
):
    settings.CACHES = {
        "default": {"BACKEND": backend, "LOCATION": "amorce_cache_memo_test"}
    }
    call_command("createcachetable", verbosity=0)
    assert identity_queries(client, call.url + "?sans-cache=1")


def test_a_cache_that_does_not_answer_leaves_the_identity_and_webhooks_read(
    site, settings
):
    """Read from the database each time (Wagtail's own routing needs the cache,
    but a submission's webhooks, sent after the commit, must not be lost)."""
    endpoint = Endpoint.objects.create(
        site=site, name="Tableur", url="https://hooks.example.org/x", events=[]
    )
    settings.CACHES = redis_cache("redis://127.0.0.1:9/0")  # nothing listens there
    assert SiteIdentity.for_site_or_defaults(site).pk == SiteIdentity.for_site(site).pk
    assert [e.pk for e in active_endpoints(site)] == [endpoint.pk]
    endpoint.active = False
    endpoint.save()  # the generation cannot be renewed: logged, the save goes on
    assert active_endpoints(site) == ()
