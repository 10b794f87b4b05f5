"""The public candidature form, and the permission-checked file downloads."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from cms_pages.models import CallStatus

from .builder import (
    HONEYPOT_FIELD,
    TOKEN_FIELD,
    MultipleFileField,
    NonInputField,
    issue_token,
)
from .models.candidatures import CandidatureAttachment
from .permissions import can_view_candidature
from .submission import UNREADABLE_BODY, HtmlForm, submit


def answers_sent(page, request):
    """What a refused sender typed, to give back to them: nothing they wrote is lost."""
    try:
        request.POST  # noqa: B018 - read here: an unreadable body gives nothing back
    except UNREADABLE_BODY + (RequestDataTooBig,):
        return []
    form = page.get_form(page=page)
    kept = []
    for name, field in form.fields.items():
        if name in (HONEYPOT_FIELD, TOKEN_FIELD):
            continue
        values = [value for value in request.POST.getlist(name) if value.strip()]
        if values:
            kept.append((field.label, ", ".join(values)))
    return kept


def fresh_form(page, request, answers=None):
    """An empty form, or one holding ``answers``, with a new one-time token."""
    initial = {**(answers or {}), TOKEN_FIELD: issue_token(page)}
    return page.get_form(page=page, user=request.user, initial=initial)


def typed_answers(page, request):
    """What the sender typed, to show in a fresh form; files cannot be given back."""
    form = page.get_form(page=page)
    answers = {}
    for name, field in form.fields.items():
        if name in (HONEYPOT_FIELD, TOKEN_FIELD) or isinstance(
            field, NonInputField | MultipleFileField
        ):
            continue
        value = field.widget.value_from_datadict(request.POST, {}, name)
        if value not in (None, "", [], False):
            answers[name] = value
    return answers


def render_form_page(
    page, request, form=None, *, status=200, error=None, kept_answers=None
):
    context = page.get_context(request)
    context.update(
        {
            "form": form,
            "call": page.call,
            "call_status": page.call.status,
            "form_error": error,
            "kept_answers": kept_answers or [],
        }
    )
    return TemplateResponse(request, page.get_template(request), context, status=status)


def serve_candidature_form(page, request, *args, **kwargs):
    """Wagtail's FormMixin.serve, through the one submission pipeline (``submission``)."""
    if request.method != "POST":
        form = (
            fresh_form(page, request) if page.call.status == CallStatus.OPEN else None
        )
        response = render_form_page(page, request, form)
        # Kept by the browser for its Back button, never by a shared cache: back on
        # the form after sending it, the same one-time token comes back with the
        # answers the browser restores, and sending again finds what was stored
        # (``no-store`` would fetch a new token, and make a second candidature).
        patch_cache_control(response, private=True, no_cache=True, max_age=0)
        return response
    outcome = submit(page, request, HtmlForm())
    response = (
        page.render_landing_page(request, outcome.candidature, *args, **kwargs)
        if outcome.accepted
        else refused_page(page, request, outcome)
    )
    add_never_cache_headers(response)
    return response


def refused_page(page, request, outcome):
    """The form again, with the refusal said and nothing the sender typed lost."""
    if outcome.refusal in ("upcoming", "closed"):
        return render_form_page(
            page,
            request,
            None,
            status=outcome.status,
            error=outcome.detail,
            kept_answers=answers_sent(page, request),
        )
    if outcome.refusal == "invalid":  # the errors beside each field
        return render_form_page(page, request, outcome.form)
    try:
        answers = typed_answers(page, request)
    except UNREADABLE_BODY + (RequestDataTooBig,):
        answers = None
    error = outcome.detail
    if answers and outcome.refusal == "rate_limited":
        error += " " + _("Vos réponses sont conservées ci-dessous.")
    return render_form_page(
        page,
        request,
        fresh_form(page, request, answers),
        status=outcome.status,
        error=error,
    )


@never_cache
@login_required
def download_attachment(request, pk):
    """Serve a candidature's file to those allowed to read the candidature; 404 to anyone else."""
    attachment = get_object_or_404(
        CandidatureAttachment.objects.select_related("candidature"), pk=pk
    )
    if not can_view_candidature(request.user, attachment.candidature):
        # The same answer as for an id that does not exist: ids cannot be probed.
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
