"""« Mes jetons d'API »: a member of the programme team or a juror creates his own
token with an expiry, sees it once, revokes it; the communications team has no
such screen."""

import datetime as dt
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from wagtail.models import APIToken

from tests.users import member_of

pytestmark = pytest.mark.django_db

URL = "/admin/mes-jetons-api/"


def test_a_member_creates_a_token_shown_once_with_its_expiry(client, paula):
    client.force_login(paula)
    expires_on = timezone.localdate() + dt.timedelta(days=30)
    response = client.post(
        URL + "new/", {"name": "Tableur Grist", "expires_on": expires_on.isoformat()}
    )
    assert response.status_code == 200
    plaintext = re.search(r'value="(wagtail_[0-9A-Za-z]+)"', response.content.decode())[
        1
    ]
    token = APIToken.objects.get(user=paula, name="Tableur Grist")
    assert plaintext not in (token.key_hash, token.prefix)  # stored hashed
    assert timezone.localtime(token.amorce_expiry.expires_at).date() == expires_on
    listing = client.get(URL).content.decode()
    assert "Tableur Grist" in listing and plaintext not in listing  # never again

    api = client.get(
        "/api/v3/staff/candidatures/", HTTP_AUTHORIZATION=f"Bearer {plaintext}"
    )
    assert api.status_code == 200

    client.post(URL + f"delete/{token.pk}/")
    token.refresh_from_db()
    assert token.revoked_at is not None
    api = client.get(
        "/api/v3/staff/candidatures/", HTTP_AUTHORIZATION=f"Bearer {plaintext}"
    )
    assert api.status_code == 401


def test_a_token_lasts_a_year_at_most(client, paula):
    client.force_login(paula)
    too_late = timezone.localdate() + dt.timedelta(days=366)
    response = client.post(
        URL + "new/", {"name": "Script", "expires_on": too_late.isoformat()}
    )
    assert "365 jours au plus" in response.content.decode()
    assert not APIToken.objects.exists()


def test_a_member_sees_only_his_own_tokens(client, paula):
    juror = member_of("Jury", "jules")
    token, _plaintext = APIToken.create_token(user=juror, name="Jeton de Jules")
    client.force_login(paula)
    assert "Jeton de Jules" not in client.get(URL).content.decode()
    assert client.get(URL + f"edit/{token.pk}/").status_code == 404
    client.post(URL + f"delete/{token.pk}/")
    token.refresh_from_db()
    assert token.revoked_at is None
    client.force_login(juror)
    assert "Jeton de Jules" in client.get(URL).content.decode()
    edit = client.get(URL + f"edit/{token.pk}/")
    assert edit.status_code == 200 and "Jeton de Jules" in edit.content.decode()


def test_the_communications_team_has_no_token_screen(client, db):
    client.force_login(member_of("Communication", "claude"))
    assert client.get(URL).status_code in (302, 403)
    assert client.post(URL + "new/", {"name": "x"}).status_code in (302, 403)
    assert not APIToken.objects.exists()


def test_a_script_creates_a_token_with_the_command(client, paula):
    out = io.StringIO()
    call_command("create_staff_token", "paula", name="Synchro", days=7, stdout=out)
    plaintext = out.getvalue().strip()
    token = APIToken.objects.get(name="Synchro")
    left = token.amorce_expiry.expires_at - timezone.now()
    assert dt.timedelta(days=6) < left <= dt.timedelta(days=7)
    api = client.get(
        "/api/v3/staff/candidatures/", HTTP_AUTHORIZATION=f"Bearer {plaintext}"
    )
    assert api.status_code == 200
    with pytest.raises(CommandError):
        call_command("create_staff_token", "paula", days=400, stdout=out)
