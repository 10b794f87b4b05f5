"""How the applicants app follows the forms app: a new draft's link, the receipt's."""

from django.dispatch import receiver
from django.utils.translation import gettext_lazy

from core.throttle import Throttle
from forms.drafts import draft_addressed
from forms.emails import RECEIPT_EXTRAS

from .emails import receipt_links
from .models import ApplicantLink
from .tasks import send_draft_link

# Links sent by email (a new draft's, « recevoir un nouveau lien »): each costs
# an email to an address anyone can type.
LINK_REQUESTS = Throttle(
    "applicant-links",
    "AMORCE_APPLICANT_LINK_RATE_LIMIT",
    "AMORCE_APPLICANT_LINK_ADDRESS_RATE_LIMIT",
    gettext_lazy("Trop de liens ont été demandés. Réessayez dans %(minutes)s minutes."),
)

RECEIPT_EXTRAS.append(receipt_links)


@receiver(draft_addressed)
def send_new_draft_link(sender, request, draft, **kwargs):
    """Email the link to a draft's new address, unless it or the client asked too many.

    Links sent to an address typed before, and not used, open nothing any more.
    """
    ApplicantLink.objects.filter(draft=draft, used_at=None).exclude(
        email__iexact=draft.email
    ).delete()
    if LINK_REQUESTS.blocked_for(request, draft.email):
        return None
    LINK_REQUESTS.record(request, draft.email)
    send_draft_link.enqueue(str(draft.pk))
    return draft.email
