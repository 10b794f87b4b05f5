"""The communication team edits and publishes pages itself, in French."""

from tests.users import member_of


def test_the_page_editor_offers_publish_and_no_english_workflow(client, call):
    client.force_login(member_of("Communication", "chloe"))
    page = client.get(f"/admin/pages/{call.pk}/edit/").content.decode()
    assert "Publier" in page
    assert "Moderators" not in page and "approval" not in page
