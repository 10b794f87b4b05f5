"""What one submission costs the database, and what a failed one leaves behind.

The number of queries of a submission is pinned here: a check or a lookup
added to the pipeline shows up as a failing count, to be justified (and the
count raised) or taken back. The reference sequence stays gap-free: a
submission that fails after taking its number gives it back.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forms.builder import issue_token
from forms.models import Candidature

from .helpers import answers

pytestmark = pytest.mark.django_db

# Routing (site and pages: 10, as Wagtail's stock form), the site's identity,
# the address's candidatures of the last hour, the token, the form's fields,
# the draft, the same answers sent lately, the reference sequence and the
# candidature in a transaction (4), then the confirmation page (2). Test
# settings: the cache is in memory (production reads the refused attempts
# there), and the emails' task waits for a commit that never comes here.
SUBMISSION_QUERIES = 22


def post(client, page, **overrides):
    return client.post(page.url, answers(jeton=issue_token(page), **overrides))


def test_a_submission_costs_a_fixed_number_of_queries(client, form_page):
    """The second submission of a warm form: a known number of queries, no more."""
    post(client, form_page, le_probleme="Un premier problème")
    with CaptureQueriesContext(connection) as queries:
        response = post(client, form_page, le_probleme="Un second problème")
    assert response.status_code == 200
    assert Candidature.objects.count() == 2
    sql = "\n".join(query["sql"] for query in queries.captured_queries)
    assert len(queries.captured_queries) == SUBMISSION_QUERIES, sql


def test_a_failed_submission_gives_its_reference_back(client, form_page, monkeypatch):
    """A submission that fails after taking its number stores nothing, and the
    next one takes that number: references stay gap-free, and none is given twice."""
    post(client, form_page, le_probleme="Premier")

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("forms.services.tasks_share_the_database", broken)
    with pytest.raises(RuntimeError):
        post(client, form_page, le_probleme="Deuxième")
    monkeypatch.undo()
    post(client, form_page, le_probleme="Troisième")

    stored = dict(
        Candidature.objects.values_list("form_data__le_probleme", "reference")
    )
    assert set(stored) == {"Premier", "Troisième"}
    numbers = sorted(int(reference.rsplit("-", 1)[1]) for reference in stored.values())
    assert numbers == [1, 2]
