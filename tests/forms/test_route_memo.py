"""The route to a candidature form, kept per process (``cms_pages.routing``).

A warm submission reads neither the page tree nor the form page again; and
whatever another process changes (a publish, an unpublish, a move, the form's
fields, the call's closing date) is seen by the next submission, because that
change renews the site's generations in the shared cache. The call's dates are
read against the clock at each request: kept or not, a call closes to the second.

Committed for real (a transactional test): inside the usual test transaction
nothing is kept at all.
"""

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from freezegun import freeze_time
from wagtail.models import Page, PageViewRestriction

from cms_pages.factories import CallPageFactory
from cms_pages.models import SiteIdentity
from cms_pages.routing import KEPT_RESTRICTIONS
from core import pagecache
from forms.factories import CandidatureFormPageFactory
from forms.models import Candidature, ReferenceSequence
from tests.cms_pages.test_site_memo import shared_cache  # noqa: F401 - Redis, autouse

from .helpers import answers, post_form

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# What the kept route saves a warm submission: the routing's tree and page (six
# queries: the site's root page and its specific row, the programme and its
# specific row, the call and its specific row, the form joined to its page) and
# the form's view restrictions (two: its ancestors' aliases, the restrictions).
# The site is still read, then the rest as in ``test_submission_cost``
# (``SUBMISSION_QUERIES`` there, without a cache every process shares).
KEPT_ROUTE_SAVES = 8

IDEAS = itertools.count(1)


@pytest.fixture(autouse=True)
def identity(site):
    """The site's identity stored, as on a running site (its first reading stores
    it, and renews the site's generations)."""
    return SiteIdentity.for_site(site)


def submit(client, page, path=None, **overrides):
    number = next(IDEAS)
    overrides.setdefault("le_probleme", f"Problème n° {number}")
    overrides.setdefault("idee", f"Idée n° {number}")
    return post_form(client, page, answers(**overrides), path=path)


def kept_routes():
    return {
        name: value
        for (site_id, name), (_gens, value, _until) in pagecache._REMEMBERED.items()
        if name.startswith("route:")
    }


ROUTED = ("home", "programme", "call")  # the pages above the form


def routing_queries(queries):
    """The queries of Wagtail's routing: the tree by slug, the pages' specific
    rows, the view restrictions of a page and its ancestors (not the call's dates
    read back as the reference is taken)."""
    return [
        q["sql"]
        for q in queries.captured_queries
        if not q["sql"].startswith("UPDATE forms_referencesequence")
        and (
            '"wagtailcore_page"."slug" =' in q["sql"]
            or any(f'FROM "cms_pages_{kind}page"' in q["sql"] for kind in ROUTED)
            or '"wagtailcore_page"."alias_of_id" FROM' in q["sql"]
            or '"wagtailcore_pageviewrestriction"."page_id" IN' in q["sql"]
        )
    ]


def warm(client, page):
    """Two submissions: the first stores the form's definition (once per published
    version of the form), which renews the site's generations; the second keeps
    the route."""
    submit(client, page)
    submit(client, page)


def test_a_warm_submission_reads_neither_the_tree_nor_the_page(
    client, form_page, settings
):
    warm(client, form_page)
    with CaptureQueriesContext(connection) as kept:
        response = submit(client, form_page)
    assert response.status_code == 200
    assert Candidature.objects.count() == 3
    assert routing_queries(kept) == []
    assert list(kept_routes()) == ["route:fr:programme/appel/candidater/"]
    # The same submission with a cache of this process only: nothing is kept.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    }
    with CaptureQueriesContext(connection) as routed:
        assert submit(client, form_page).status_code == 200
    assert len(routing_queries(routed)) == KEPT_ROUTE_SAVES


def test_each_request_gets_its_own_page_objects(client, form_page):
    submit(client, form_page)
    (kept,) = kept_routes().values()
    first, second = kept.result()[0], kept.result()[0]
    assert first is not second and first.call is not second.call
    first.title = "Changé par une requête"
    first.call.closes_at = timezone.now() - dt.timedelta(days=1)
    first.__dict__[KEPT_RESTRICTIONS].append("une restriction de trop")
    again = kept.result()[0]
    assert again.title == form_page.title
    assert again.call.is_open
    assert again.get_view_restrictions() == []
    assert again.get_parent() is again.call


def test_a_page_unpublished_by_another_process_is_no_longer_served(
    client, form_page, site
):
    submit(client, form_page)
    # What another process leaves: the row changed, the site's generations renewed
    # in the shared cache (no signal reaches this process).
    Page.objects.filter(pk=form_page.pk).update(live=False)
    pagecache.bump(site.pk)
    response = submit(client, form_page, path="/programme/appel/candidater/")
    assert response.status_code == 404
    assert Candidature.objects.count() == 1
    assert kept_routes() == {}  # a 404 is not kept


def test_a_page_published_again_is_served_from_the_next_submission(client, form_page):
    submit(client, form_page)
    form_page.unpublish()
    assert (
        submit(client, form_page, path="/programme/appel/candidater/").status_code
        == 404
    )
    form_page.refresh_from_db()
    form_page.save_revision().publish()
    assert submit(client, form_page).status_code == 200
    assert Candidature.objects.count() == 2


def test_fields_published_elsewhere_are_those_of_the_next_submission(client, form_page):
    submit(client, form_page, le_probleme="Avant")
    page = form_page.specific_class.objects.get(pk=form_page.pk)
    field = page.form_fields.get(label="Idée")
    field.label, field.clean_name = "Votre idée", "votre_idee"
    field.save()
    page.save_revision().publish()
    response = submit(
        client, form_page, le_probleme="Après", idee=None, votre_idee="Un agenda"
    )
    assert response.status_code == 200
    after = Candidature.objects.get(form_data__le_probleme="Après")
    assert after.form_data["votre_idee"] == "Un agenda"


def test_a_moved_form_answers_at_its_new_address_only(client, form_page, programme):
    submit(client, form_page)
    other = CallPageFactory(parent=programme, slug="autre-appel")
    Page.objects.get(pk=form_page.pk).move(other, pos="last-child")
    old = submit(client, form_page, path="/programme/appel/candidater/")
    assert old.status_code == 301  # Wagtail's redirect to where it went
    assert old["Location"] == "/programme/autre-appel/candidater/"
    moved = submit(client, form_page, path="/programme/autre-appel/candidater/")
    assert moved.status_code == 200
    assert Candidature.objects.filter(call=other).count() == 1


def test_a_renamed_call_moves_its_form(client, form_page, call):
    submit(client, form_page)
    call.slug = "appel-renomme"
    call.save_revision().publish()
    old = submit(client, form_page, path="/programme/appel/candidater/")
    assert old.status_code == 301
    assert old["Location"] == "/programme/appel-renomme/candidater/"
    renamed = submit(client, form_page, path="/programme/appel-renomme/candidater/")
    assert renamed.status_code == 200
    assert Candidature.objects.count() == 2


def test_a_restriction_added_elsewhere_applies_to_the_next_submission(
    client, form_page, call
):
    submit(client, form_page)
    PageViewRestriction.objects.create(page=call, restriction_type="login")
    response = submit(client, form_page)
    assert response.status_code == 302  # to the sign-in page
    assert Candidature.objects.count() == 1


def test_a_kept_call_still_closes_to_the_second(client, programme):
    now = timezone.now().replace(microsecond=0)
    call = CallPageFactory(
        parent=programme,
        slug="dernier-jour",
        opens_at=now - dt.timedelta(days=10),
        closes_at=now + dt.timedelta(hours=1),
    )
    page = CandidatureFormPageFactory(
        parent=call,
        fields=[{"label": "Le problème", "field_type": "multiline"}],
    )
    limit = call.closing_limit
    with freeze_time(limit - dt.timedelta(seconds=30)):
        warm(client, page)
    assert kept_routes()
    with freeze_time(limit):  # the last second that counts: still open
        with CaptureQueriesContext(connection) as queries:
            assert submit(client, page).status_code == 200
        assert routing_queries(queries) == []  # from the kept route
    with freeze_time(limit + dt.timedelta(seconds=1)):
        with CaptureQueriesContext(connection) as queries:
            response = submit(client, page)
        assert routing_queries(queries) == []
    assert response.status_code == 410
    assert "Cet appel est clos" in response.content.decode()
    assert Candidature.objects.count() == 3


def test_the_closing_moved_earlier_elsewhere_refuses_the_next_submission(
    client, form_page, call
):
    submit(client, form_page)
    call.closes_at = timezone.now() - dt.timedelta(minutes=5)
    call.save_revision().publish()
    response = submit(client, form_page)
    assert response.status_code == 410
    assert Candidature.objects.count() == 1


def test_dates_changed_without_a_signal_are_those_the_submission_obeys(
    client, form_page, call
):
    """A raw update (a script, another tool on the database) renews nothing: the
    kept route still holds the old dates, and the database decides all the same.
    Refused, the submission takes no reference number, says the call is closed,
    and the form is read again from the database from then on."""
    warm(client, form_page)
    assert kept_routes()
    references = set(Candidature.objects.values_list("reference", flat=True))
    # Two minutes ago: a closing on a whole minute accepts until its :59.
    closed = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=2)
    type(call).objects.filter(pk=call.pk).update(closes_at=closed)
    response = submit(client, form_page)
    assert response.status_code == 410
    page = response.content.decode()
    assert "Cet appel est clos" in page and "Appel clos" in page
    assert Candidature.objects.count() == 2
    # The site's kept copies are made again: the form says it too.
    assert "Appel clos" in client.get(form_page.url).content.decode()
    # Opened again by a script that says so (``page_changed``): no number was
    # lost to the refusal.
    type(call).objects.filter(pk=call.pk).update(
        closes_at=closed + dt.timedelta(days=1)
    )
    pagecache.page_changed(call)
    assert submit(client, form_page).status_code == 200
    (reference,) = Candidature.objects.exclude(reference__in=references).values_list(
        "reference", flat=True
    )
    assert reference.endswith(f"-{len(references) + 1:04d}")


def test_the_first_number_of_a_year_obeys_the_stored_dates_too(client, form_page, call):
    """No sequence row yet: the dates are read apart, and the refusal makes none."""
    warm(client, form_page)
    ReferenceSequence.objects.all().delete()
    closed = timezone.now() - dt.timedelta(minutes=2)
    type(call).objects.filter(pk=call.pk).update(closes_at=closed)
    assert submit(client, form_page).status_code == 410
    assert not ReferenceSequence.objects.exists()
    assert Candidature.objects.count() == 2


def test_an_opening_moved_later_without_a_signal_refuses_as_not_open_yet(
    client, form_page, call
):
    warm(client, form_page)
    later = timezone.now() + dt.timedelta(days=1)
    type(call).objects.filter(pk=call.pk).update(opens_at=later)
    response = submit(client, form_page)
    assert response.status_code == 409
    assert "pas encore ouvert" in response.content.decode()
    assert Candidature.objects.count() == 2


def test_only_form_routes_are_kept(client, form_page, call):
    client.get(call.url + "?sans-cache=1")
    client.get("/programme/appel/pas-de-page-ici/")
    client.post("/programme/nulle-part/", {})
    assert kept_routes() == {}


def test_variants_of_a_forms_address_add_no_route(client, form_page):
    """Only the form's own address is routed (« a//b/ » or « a/b/// » are not
    found): a visitor's variants of it never add entries to the process's memory."""
    warm(client, form_page)
    path = form_page.url.strip("/")
    for variant in (path.replace("/", "//"), path + "///", path.upper()):
        response = submit(client, form_page, path=f"/{variant}/")
        assert response.status_code == 404, variant
    assert list(kept_routes()) == ["route:fr:programme/appel/candidater/"]
    assert Candidature.objects.count() == 2
