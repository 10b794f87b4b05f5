"""Pages cost the same number of queries whatever their number of rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms_pages.factories import FaqPageFactory, SelectionCriterionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    """What is counted is the page's render: a cached page costs none (test_page_cache)."""
    settings.AMORCE_PAGE_CACHE_SECONDS = 0


def count_queries(client, url):
    client.get(url)  # warm caches that a running server keeps (site root paths)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_call_page_queries_do_not_grow_with_criteria(client, call, faq):
    few = count_queries(client, call.url)
    for n in range(30):
        SelectionCriterionFactory(page=call, sort_order=10 + n)
    assert call.criteria.count() == 33
    assert count_queries(client, call.url) == few


def test_faq_page_queries_do_not_grow_with_questions(client, faq):
    few = count_queries(client, faq.url)
    faq.body = FaqPageFactory.body_from_sections(
        [
            (
                f"Rubrique {s}",
                [(f"Question {s}.{q} ?", f"<p>Réponse {q}</p>") for q in range(10)],
            )
            for s in range(5)
        ]
    )
    faq.save()
    assert len(list(faq.questions)) == 50
    assert count_queries(client, faq.url) == few


def test_call_api_queries_do_not_grow_with_criteria(client, call):
    few = count_queries(client, f"/api/v3/pages/{call.pk}/")
    for n in range(30):
        SelectionCriterionFactory(page=call, sort_order=10 + n)
    assert count_queries(client, f"/api/v3/pages/{call.pk}/") == few
