"""The groups a fresh instance starts with, and what the communications team may do."""

import pytest
from django.contrib.auth.models import Group, User

from tests.users import member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def communication_user(db):
    return member_of("Communication", "comm")


def test_groups_exist_after_migrations(db):
    names = set(Group.objects.values_list("name", flat=True))
    assert {"Communication", "Équipe programme", "Jury"} <= names


def test_communication_edits_and_publishes_pages(client, communication_user, call):
    """The communications team can open the call's editor and publish it."""
    client.force_login(communication_user)
    assert client.get(f"/admin/pages/{call.pk}/edit/").status_code == 200
    perms = call.permissions_for_user(communication_user)
    assert perms.can_edit() and perms.can_publish()


def test_communication_cannot_touch_settings_users_or_groups(
    client, communication_user, site
):
    """Nothing beyond pages: no site settings, no users, no groups."""
    client.force_login(communication_user)
    for url in (
        f"/admin/settings/cms_pages/siteidentity/{site.pk}/",
        "/admin/users/",
        "/admin/groups/",
        "/admin/sites/",
    ):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        if response.status_code == 302:
            assert response.url == "/admin/", url


def test_jury_reaches_the_admin_but_no_page(client, call):
    user = User.objects.create_user("juré", "jure@example.org", "x")
    user.groups.add(Group.objects.get(name="Jury"))
    client.force_login(user)
    assert client.get("/admin/").status_code == 200
    assert not call.permissions_for_user(user).can_edit()


def test_programme_team_builds_the_form_under_its_call(client, call):
    """The programme team may add and publish the candidature form page."""
    user = User.objects.create_user("prog", "prog@example.org", "x")
    user.groups.add(Group.objects.get(name="Équipe programme"))
    client.force_login(user)
    response = client.get(f"/admin/pages/add/forms/candidatureformpage/{call.pk}/")
    assert response.status_code == 200
    assert call.permissions_for_user(user).can_publish()


def test_admin_speaks_french(client, db):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="fr"' in html
    assert "Connexion" in html
