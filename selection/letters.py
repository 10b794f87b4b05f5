"""The decision letter: a PDF joined to a decision email when its template asks for it.

The same decision in a form one can file or forward: the site's letterhead,
the applicant and their candidature, the decision, and the team's text as
prepared (the reason is in it where the template placed ``{motif}``).
"""

from django.conf import settings
from django.utils import translation

from cms_pages.pdf import render_pdf


def letter_filename(notification):
    return f"lettre-de-decision-{notification.candidature.reference}.pdf"


def render_decision_letter_pdf(notification):
    candidature = notification.candidature
    with translation.override(settings.LANGUAGE_CODE):  # the email's language
        return render_pdf(
            "selection/pdf/decision_letter.html",
            {
                "notification": notification,
                "candidature": candidature,
                "call": candidature.call,
            },
            candidature.call.get_site(),
        )
