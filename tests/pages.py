"""Posting Wagtail's page editor as a browser would, for tests."""

from wagtail.test.utils.form_data import (
    nested_form_data,
    querydict_from_html,
    streamfield,
)


def page_edit_data(client, page, *, empty_streams=("body",)):
    """The edit form of ``page`` as its editor sees it, ready to post back.

    The StreamFields named in ``empty_streams`` are posted empty (the editor
    builds them in JavaScript, which the test client does not run).
    """
    html = client.get(f"/admin/pages/{page.pk}/edit/").content.decode()
    data = querydict_from_html(html, form_id="page-edit-form")
    for key in [key for key in data if "__prefix__" in key]:
        del data[key]
    for name in empty_streams:
        data.update(nested_form_data({name: streamfield([])}))
    return data


def publish(client, page, data):
    data = data.copy()
    data["action-publish"] = "action-publish"
    return client.post(f"/admin/pages/{page.pk}/edit/", data)
