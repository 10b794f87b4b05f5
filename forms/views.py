"""The public candidature form, and the permission-checked file downloads."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import FileResponse, Http404
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from cms_pages.models import CallStatus

from .builder import (
    HONEYPOT_FIELD,
    TOKEN_FIELD,
    MultipleFileField,
    NonInputField,
    issue_token,
    max_request_size,
    token_uuid,
)
from .models import CandidatureAttachment
from .services import (
    TokenUsedElsewhere,
    client_key_for,
    earlier_candidature,
    rate_limited,
    record_refusal,
)

CLOSED_STATUS_CODES = {CallStatus.UPCOMING: 409, CallStatus.CLOSED: 410}
# What Django raises when it cannot read a body: too big, too many fields or
# files (SuspiciousOperation), a broken multipart.
UNREADABLE_BODY = (SuspiciousOperation, MultiPartParserError)


def answers_sent(page, request):
    """What a refused sender typed, to give back to them: nothing they wrote is lost."""
    form = page.get_form(page=page)
    kept = []
    for name, field in form.fields.items():
        if name in (HONEYPOT_FIELD, TOKEN_FIELD):
            continue
        values = [value for value in request.POST.getlist(name) if value.strip()]
        if values:
            kept.append((field.label, ", ".join(values)))
    return kept


def replayed_candidature(page, request):
    """The candidature this form's one-time token already made, if any."""
    return earlier_candidature(page, token_uuid(page, request.POST.get(TOKEN_FIELD)))


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
    """Wagtail's FormMixin.serve, with the call's dates, limits and one-time token."""
    response = _serve_candidature_form(page, request, *args, **kwargs)
    add_never_cache_headers(response)
    return response


def _serve_closed_form(page, request, call_status, *args, **kwargs):
    if request.method != "POST":
        return render_form_page(page, request, None)
    try:
        # Sent again after the closing time (a lost answer, a reload): what was
        # stored before it is shown again, never « not stored ».
        if replayed := replayed_candidature(page, request):
            return page.render_landing_page(request, replayed, *args, **kwargs)
        kept = answers_sent(page, request)
    except UNREADABLE_BODY:
        kept = []
    error = (
        _(
            "Cet appel n'est pas encore ouvert : votre candidature n'a pas été enregistrée."
        )
        if call_status == CallStatus.UPCOMING
        else _("Cet appel est clos : votre candidature n'a pas été enregistrée.")
    )
    return render_form_page(
        page,
        request,
        None,
        status=CLOSED_STATUS_CODES[call_status],
        error=error,
        kept_answers=kept,
    )


def _serve_candidature_form(page, request, *args, **kwargs):
    call_status = page.call.status
    if call_status != CallStatus.OPEN:
        return _serve_closed_form(page, request, call_status, *args, **kwargs)
    if request.method != "POST":
        return render_form_page(page, request, fresh_form(page, request))

    client_key = client_key_for(request)
    too_big_error = _(
        "Votre envoi est trop volumineux (%(max)s Mo au plus en tout) : réduisez la taille des fichiers joints."
    ) % {"max": max_request_size() // (1024 * 1024)}
    try:
        if int(request.META.get("CONTENT_LENGTH") or 0) > max_request_size():
            raise RequestDataTooBig
        form = page.get_form(request.POST, request.FILES, page=page, user=request.user)
    except RequestDataTooBig:
        record_refusal(client_key)
        return render_form_page(
            page, request, fresh_form(page, request), status=413, error=too_big_error
        )
    except UNREADABLE_BODY:
        record_refusal(client_key)
        error = _(
            "Votre envoi n'a pas pu être lu : votre candidature n'a pas été enregistrée. "
            "Remplissez de nouveau le formulaire ci-dessous."
        )
        return render_form_page(
            page, request, fresh_form(page, request), status=400, error=error
        )

    if replayed := replayed_candidature(page, request):
        return page.render_landing_page(request, replayed, *args, **kwargs)

    if rate_limited(client_key):
        error = _(
            "Trop de candidatures ont été envoyées depuis votre connexion en peu de temps. "
            "Réessayez dans une heure ; vos réponses sont conservées ci-dessous."
        )
        form = fresh_form(page, request, typed_answers(page, request))
        return render_form_page(page, request, form, status=429, error=error)

    if token_uuid(page, request.POST.get(TOKEN_FIELD)) is None:
        # No token, or one this form did not issue (another form's, a forged one).
        record_refusal(client_key)
        return stale_page(page, request)

    if not form.is_valid():
        record_refusal(client_key)
        return render_form_page(page, request, form)

    form.client_key = client_key
    form.request = request
    try:
        candidature = page.process_form_submission(form)
    except TokenUsedElsewhere:
        record_refusal(client_key)
        return stale_page(page, request)
    return page.render_landing_page(request, candidature, *args, **kwargs)


def stale_page(page, request):
    """The form again, with what was typed and a new token: nothing was stored."""
    error = _(
        "Cette page a expiré : votre candidature n'a pas été enregistrée. "
        "Vos réponses sont conservées ci-dessous ; si vous aviez joint des fichiers, "
        "choisissez-les de nouveau, puis envoyez le formulaire."
    )
    form = fresh_form(page, request, typed_answers(page, request))
    return render_form_page(page, request, form, status=400, error=error)


@never_cache
@login_required
def download_attachment(request, pk):
    """Serve a candidature's file to those allowed to read the candidature; 404 to anyone else."""
    from .permissions import can_view_candidature

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
