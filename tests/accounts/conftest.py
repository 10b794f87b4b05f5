"""The test OpenID Connect provider (tests/accounts/oidc.py), once a session."""

import pytest

from .oidc import start_provider, stop_provider


@pytest.fixture(scope="session")
def oidc_provider():
    provider = start_provider(
        {
            "redirect_uris": ["http://testserver/proconnect/callback/"],
            "post_logout_redirect_uris": [
                "http://testserver/admin/login/",
                "http://testserver/espace-candidat/nouveau-lien/",
            ],
        }
    )
    yield provider
    stop_provider(provider)


@pytest.fixture
def proconnect(settings, oidc_provider):
    """ProConnect configured on this instance, pointing at the test provider."""
    settings.PROCONNECT_CLIENT_ID = oidc_provider.client_id
    settings.PROCONNECT_CLIENT_SECRET = oidc_provider.client_secret
    settings.PROCONNECT_DISCOVERY_URL = oidc_provider.discovery_url
    return oidc_provider
