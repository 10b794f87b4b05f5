"""What a process keeps of a site between requests (its identity, its webhook
endpoints) is read again as soon as any process saves a change, and never
keeps what a rolled-back transaction wrote.

Committed for real (a transactional test): inside the usual test transaction
nothing is kept at all.
"""

import json

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from cms_pages.models import SiteIdentity
from core import pagecache
from tests.forms.helpers import answers
from tests.webhooks.receiver import Receiver
from webhooks.models import Delivery, Endpoint
from webhooks.services import active_endpoints

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def nothing_kept():
    pagecache._REMEMBERED.clear()
    cache.clear()
    yield
    pagecache._REMEMBERED.clear()


def submit(client, form_page):
    submit.count = getattr(submit, "count", 0) + 1
    idea = f"Idée n° {submit.count}"  # not the same answers again (taken for the first)
    response = client.post(
        f"/api/v3/forms/{form_page.pk}/submissions/",
        json.dumps({"answers": answers(idee=idea)}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return response


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


def test_with_the_cache_in_the_database_nothing_is_kept(client, call, site, settings):
    """One query of the cache table would only replace the query it saves."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "amorce_cache_memo_test",
        }
    }
    from django.core.management import call_command

    call_command("createcachetable", verbosity=0)
    url = call.url + "?sans-cache=1"
    client.get(url)
    with CaptureQueriesContext(connection) as read:
        client.get(url)
    assert any("cms_pages_siteidentity" in q["sql"] for q in read.captured_queries)
