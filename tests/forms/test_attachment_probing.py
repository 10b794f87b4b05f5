"""A file one may not read answers exactly like a file that does not exist.

Found by review: the download answered 403 for an attachment the user could
not read and 404 for an unknown id, so anyone signed in to the admin (a juror,
the communications team) could tell which ids were real.
"""

import re
import uuid

import pytest

from forms.models import Candidature
from tests.users import member_of

from .helpers import PDF, post_form, upload

pytestmark = pytest.mark.django_db


def without_nonces(response):
    return re.sub(rb'nonce="[^"]*"', b"", response.content)


@pytest.mark.parametrize("group_name", ["Jury", "Communication"])
def test_a_forbidden_file_and_a_missing_one_get_the_same_404(
    client, form_page, group_name
):
    post_form(client, form_page, files={"pieces_jointes": upload("note.pdf", PDF)})
    attachment = Candidature.objects.get().attachments.get()
    client.force_login(member_of(group_name, "curieux"))

    forbidden = client.get(attachment.get_absolute_url())

    url = attachment.get_absolute_url()
    missing = client.get(url.replace(str(attachment.pk), str(uuid.uuid4())))

    assert missing.status_code == 404
    assert forbidden.status_code == 404
    assert without_nonces(forbidden) == without_nonces(missing)
    assert PDF not in forbidden.content


def test_the_programme_team_still_downloads_it(programme_client, form_page):
    post_form(
        programme_client, form_page, files={"pieces_jointes": upload("note.pdf", PDF)}
    )
    attachment = Candidature.objects.get().attachments.get()
    response = programme_client.get(attachment.get_absolute_url())
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
