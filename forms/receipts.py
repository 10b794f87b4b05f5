"""The applicant's receipt, a PDF joined to the confirmation email."""

from cms_pages.pdf import render_pdf


def dossier_context(candidature):
    """What a PDF of one candidature shows: it, its answers in form order, its call."""
    return {
        "candidature": candidature,
        "answers": candidature.answers(),
        "call": candidature.call,
    }


def render_receipt_pdf(candidature):
    """The applicant's receipt: reference, date, their answers."""
    return render_pdf(
        "forms/pdf/receipt.html",
        dossier_context(candidature),
        candidature.call.get_site(),
    )
