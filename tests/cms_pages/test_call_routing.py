"""Routing below a call: its form and FAQ pages read joined to their page, any
other page as Wagtail reads it, nothing unpublished or unknown."""

import pytest
from wagtail.models import Page

pytestmark = pytest.mark.django_db


def test_the_pages_below_a_call_are_served_as_they_are(client, call, faq, form_page):
    """The FAQ and the form show their own content; a page of another type placed
    below a call (by a script) is served too; an unknown address is not found."""
    assert "Qui peut candidater ?" in client.get(faq.url).content.decode()
    form = client.get(form_page.url)
    assert form.status_code == 200
    assert 'name="jeton"' in form.content.decode()
    other = call.add_child(instance=Page(title="Page libre", slug="libre"))
    assert client.get(other.url).status_code == 200
    assert client.get(f"{call.url}inconnue/").status_code == 404
    assert client.get(f"{faq.url}plus-bas/").status_code == 404


def test_an_unpublished_page_below_a_call_is_not_found(client, faq):
    url = faq.url
    assert client.get(url).status_code == 200
    faq.unpublish()
    assert client.get(url).status_code == 404
