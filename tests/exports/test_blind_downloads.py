"""A file of a dossier, downloaded by a member of a blind round, comes under the
masked name the dossier lists (``selection.blind``), and so does the page that
refuses a file the antivirus has not cleared; the programme team gets the name
it was sent with."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.http import content_disposition_header

from forms.models import CandidatureAttachment

from .test_zips import dossiers, review_round  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

SENT = "CV_Camille_Martin.pdf"
MASKED = "CV_[masqué]_[masqué].pdf"


@pytest.fixture
def blind(review_round):  # noqa: F811 - the fixture above
    review_round.blind = True
    review_round.save()
    return review_round


def cv():
    return CandidatureAttachment.objects.get(original_name=SENT)


def url():
    return reverse("forms:attachment", args=[cv().pk])


def member(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_blind_members_download_is_named_as_the_dossier_lists_it(
    programme_client, blind
):
    client = member(blind.alice)
    page = client.get(f"/admin/jury/{blind.pk}/{cv().candidature_id}/")
    assert MASKED in page.content.decode()
    response = client.get(url())
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition == content_disposition_header(True, MASKED)
    assert "Martin" not in disposition and "Camille" not in disposition
    team = programme_client.get(url())
    assert team["Content-Disposition"] == content_disposition_header(True, SENT)


@pytest.mark.parametrize("state", ["pending", "infected"])
def test_the_refusal_page_names_the_file_masked_for_a_blind_member(
    programme_client, blind, state
):
    CandidatureAttachment.objects.filter(original_name=SENT).update(scan_state=state)
    client = member(blind.alice)
    refused = client.get(url())
    assert refused.status_code in (409, 423)
    html = refused.content.decode()
    assert MASKED in html and "Martin" not in html
    team = programme_client.get(url())
    assert SENT in team.content.decode()


def test_a_member_of_a_round_that_is_not_blind_gets_the_real_name(
    client,
    review_round,  # noqa: F811 - the fixture above
):
    client.force_login(review_round.alice)
    response = client.get(url())
    assert response["Content-Disposition"] == content_disposition_header(True, SENT)
