"""Sent before the closing time, sent again after it: the first answer, never « refused ».

Found by the load test at the closing minute (bench/load_closing.py): a client
that lost the answer to a stored candidature and sent it again, with the same
token, once the call had closed was told 410 « not stored ».
"""

import datetime as dt
import json
import uuid

import pytest
from django.test import TestCase
from django.utils import timezone

from forms.models import Candidature

from .helpers import answers, post_form, token_from

pytestmark = pytest.mark.django_db


def close(call):
    call.closes_at = (timezone.now() - dt.timedelta(minutes=2)).replace(second=30)
    call.opens_at = call.closes_at - dt.timedelta(days=3)
    call.save()


def post_json(client, page, key):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            f"/api/v3/forms/{page.pk}/submissions/",
            json.dumps({"answers": answers()}),
            content_type="application/json",
            headers={"Idempotency-Key": key},
        )


def test_api_resent_after_closing_with_its_key_gets_its_reference(client, form_page):
    key = str(uuid.uuid4())
    first = post_json(client, form_page, key)
    assert first.status_code == 201
    close(form_page.call)
    again = post_json(client, form_page, key)
    assert again.status_code == 201
    assert again.json()["reference"] == first.json()["reference"]
    assert Candidature.objects.count() == 1
    # Without a known key, the closed call still refuses.
    assert post_json(client, form_page, str(uuid.uuid4())).status_code == 410
    assert Candidature.objects.count() == 1


def test_form_resent_after_closing_with_its_token_shows_its_reference(
    client, form_page
):
    token = token_from(client.get(form_page.url))
    first = post_form(client, form_page, answers(jeton=token))
    reference = Candidature.objects.get().reference
    assert reference in first.content.decode()
    close(form_page.call)
    again = post_form(client, form_page, answers(jeton=token))
    assert again.status_code == 200
    assert reference in again.content.decode()
    assert "Cet appel est clos" not in again.content.decode()
    assert Candidature.objects.count() == 1
    other = post_form(client, form_page, answers(jeton=str(uuid.uuid4())))
    assert other.status_code == 410
    assert Candidature.objects.count() == 1
