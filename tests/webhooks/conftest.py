import pytest

from webhooks.models import Endpoint

from .receiver import Receiver

ALL_EVENTS = [
    "candidature.submitted",
    "candidature.status_changed",
    "decision.sent",
    "evaluation.submitted",
    "investigation.phase_changed",
]


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


@pytest.fixture
def endpoint(site, receiver):
    return Endpoint.objects.create(
        site=site, name="Tableur de l'équipe", url=receiver.url, events=ALL_EVENTS
    )


@pytest.fixture
def short_backoff(settings):
    """Two retries: three attempts in all."""
    settings.AMORCE_WEBHOOKS_BACKOFF = [60, 300]
