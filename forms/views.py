"""The public candidature form, and the permission-checked file downloads."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig
from django.http import Http404, HttpResponseRedirect, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from cms_pages.models import CallStatus
from core.files import private_download
from core.throttle import client_key_for

from .access import grant, granted
from .builder import (
    HONEYPOT_FIELD,
    TOKEN_FIELD,
    MultipleFileField,
    NonInputField,
    issue_token,
    token_for,
    token_uuid,
)
from .drafts import DraftRefused, draft_addressed, keep_draft_files, save_draft
from .models.applicants import Draft
from .models.candidatures import (
    Candidature,
    CandidatureAttachment,
    EligibilityRefusal,
)
from .permissions import can_view_candidature, file_name_for
from .services import earlier_candidature, record_refusal, reference_prefix_for
from .steps import (
    MOVE_FIELD,
    NEXT,
    PREVIOUS,
    REVIEW,
    STEP_FIELD,
    STEP_PARAMETER,
    StepsForm,
    carried_fields,
    first_step_with_errors,
    keep_step_errors,
    merged_data,
    questions,
    review_rows,
    shown_steps,
    step_fields,
    step_named,
    steps_of,
)
from .submission import UNREADABLE_BODY, HtmlForm, flood_refusal, submit

# Saving a draft is said in the address (``?amorce_action=brouillon``), so that
# the body is read only after the size and the address's limits are checked.
ACTION_FIELD = "amorce_action"
SAVE_DRAFT = "brouillon"
AUTOSAVE = "autosave"
ELIGIBILITY = "eligibilite"
STEP = "etape"
REVIEWED = "envoi"  # the review's « Envoyer »: the draft's answers, sent
DRAFT_PARAMETER = "brouillon"


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


def fresh_form(page, request, answers=None, draft=None):
    """An empty form, or one holding ``answers``, with a new one-time token.

    A draft's form holds its answers and its token: sent, it is that draft.
    """
    if draft is not None:
        answers = {**draft.answers, "identity_email": draft.email, **(answers or {})}
        token = token_for(page, draft.token)
    else:
        token = issue_token(page)
    initial = {**(answers or {}), TOKEN_FIELD: token}
    form = page.get_form(page=page, user=request.user, initial=initial)
    keep_draft_files(form, draft)
    return form


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
    page,
    request,
    form=None,
    *,
    status=200,
    error=None,
    kept_answers=None,
    draft=None,
    preview=False,
    eligibility_step=False,
    ineligible=(),
    step_key=None,
):
    context = page.get_context(request)
    if page.use_steps and form is not None and not eligibility_step:
        steps = steps_context(page, request, form, draft, step_key, preview=preview)
        form = steps["form"]
        context.update(steps)
    context.update(
        {
            "form": form,
            "preview": preview,
            "eligibility_step": eligibility_step,
            "eligibility_fields": [form[name] for name in form.eligibility]
            if eligibility_step
            else [],
            "ineligible": ineligible,
            "eligibility_action": ELIGIBILITY,
            "call": page.call,
            "call_status": CallStatus.OPEN if preview else page.call.status,
            "form_error": error,
            "kept_answers": kept_answers or [],
            "draft": draft,
            "action_field": ACTION_FIELD,
            "step_action": STEP,
            "reviewed_action": REVIEWED,
            "save_draft": SAVE_DRAFT,
            "autosave": AUTOSAVE,
            "counter_left": _("%(left)s caractères restants sur %(limit)s."),
            "counter_over": _(
                "%(over)s caractères de trop : %(limit)s au plus. Raccourcissez votre réponse."
            ),
            "autosave_failed": _(
                "Le brouillon n'a pas pu être enregistré automatiquement : vérifiez "
                "votre connexion, ou utilisez le bouton « Enregistrer le brouillon »."
            ),
        }
    )
    return TemplateResponse(request, page.get_template(request), context, status=status)


def serve_form_preview(page, request):
    """The form as an applicant will see it once open, from the editor: it sends nothing.

    Wagtail's preview of the page being edited, saved or not, whatever the
    call's dates: no one-time token is issued, no draft opened, and the
    buttons are shown disabled, so nothing can be stored from it.
    """
    form = page.get_form(page=page, user=request.user)
    response = render_form_page(page, request, form, preview=True)
    add_never_cache_headers(response)
    return response


def serve_landing_preview(page, request):
    """The confirmation page, with an example reference and address."""
    example = Candidature(
        page=page,
        reference=f"{reference_prefix_for(page.call)}-"
        f"{timezone.localtime(page.call.opens_at).year}-0001",
        applicant_email=_("prenom.nom@exemple.fr"),
    )
    response = page.render_landing_page(request, example)
    add_never_cache_headers(response)
    return response


def opened_draft(page, request):
    """The draft named in the address, if this browser opened it (by its link, or by saving it)."""
    raw = request.GET.get(DRAFT_PARAMETER, "")
    draft = None
    if raw and granted(request, "drafts", raw):
        draft = Draft.objects.filter(pk=raw, page=page).first()
    if raw and draft is None:
        messages.warning(
            request,
            _(
                "Ce brouillon n'est pas ouvert dans ce navigateur, ou il a été envoyé "
                "depuis. Demandez un nouveau lien pour le reprendre."
            ),
        )
    return draft


def serve_candidature_form(page, request, *args, **kwargs):
    """Wagtail's FormMixin.serve, through the one submission pipeline (``submission``)."""
    # The site read once, for the form and the page around it.
    page.call.site_identity_for(request)
    if request.method != "POST":
        draft = opened_draft(page, request)
        form = (
            fresh_form(page, request, draft=draft)
            if page.call.status == CallStatus.OPEN
            else None
        )
        first = form is not None and form.eligibility and draft is None
        response = render_form_page(
            page,
            request,
            form,
            draft=draft,
            eligibility_step=first,
            step_key=request.GET.get(STEP_PARAMETER) if draft else None,
        )
        # Kept by the browser for its Back button, never by a shared cache: back on
        # the form after sending it, the same one-time token comes back with the
        # answers the browser restores, and sending again finds what was stored
        # (``no-store`` would fetch a new token, and make a second candidature).
        patch_cache_control(response, private=True, no_cache=True, max_age=0)
        return response
    action = request.GET.get(ACTION_FIELD)
    if action == ELIGIBILITY:
        response = serve_eligibility(page, request)
        add_never_cache_headers(response)
        return response
    if action in (SAVE_DRAFT, AUTOSAVE):
        response = serve_draft_save(page, request, autosave=action == AUTOSAVE)
        add_never_cache_headers(response)
        return response
    if action == STEP and page.use_steps:
        response = serve_step(page, request, *args, **kwargs)
        add_never_cache_headers(response)
        return response
    # Chosen by what was posted, not by the page's setting, which may have
    # changed since the page was shown: the review posts its token alone.
    outcome = submit(
        page, request, StepsForm(page) if action == REVIEWED else HtmlForm()
    )
    response = (
        page.render_landing_page(request, outcome.candidature, *args, **kwargs)
        if outcome.accepted
        else refused_page(page, request, outcome)
    )
    add_never_cache_headers(response)
    return response


def serve_eligibility(page, request):
    """The eligibility questions answered: the whole form, or why it ends here (counted).

    Nothing is stored but the count of refusals per question and day; the
    answers given come back in the whole form, where they are checked again.
    """
    if page.call.status != CallStatus.OPEN:
        return render_form_page(page, request, None)
    # Before the body is read: its size, and the address's limits (a flood of
    # refusals would also make the count say what nobody did).
    if flood := flood_refusal(request, client_key_for(request)):
        return render_form_page(
            page,
            request,
            fresh_form(page, request),
            status=flood.status,
            error=flood.detail,
            eligibility_step=True,
        )
    try:
        data = request.POST
    except UNREADABLE_BODY + (RequestDataTooBig,):
        data = {}
    form = page.get_form(data, page=page)
    form.is_valid()  # the questions' own checks, and each rule (``CandidatureForm.clean``)
    ineligible = form.ineligible_names()
    if ineligible:
        EligibilityRefusal.record(page, ineligible)
    if ineligible or any(name in form.errors for name in form.eligibility):
        return render_form_page(
            page,
            request,
            form,
            status=200 if ineligible else 422,
            eligibility_step=True,
            ineligible=[form.eligibility[name][1] for name in ineligible],
        )
    answers = {name: form.cleaned_data[name] for name in form.eligibility}
    return render_form_page(page, request, fresh_form(page, request, answers))


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
        error = None
        if page.use_steps:  # at the first step to correct
            error = _(
                "Certaines réponses manquent ou sont à corriger : reprenez à cette "
                "étape, puis continuez jusqu'à la vérification."
            )
        return render_form_page(page, request, outcome.form, error=error)
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


def serve_draft_save(page, request, *, autosave):
    """Save the form as a draft: a redirect to it (button), or JSON (autosave).

    The first save sends the link to take it up again; the browser that saved
    it keeps it open. A closed call, an expired page or a missing address
    save nothing, and say so.
    """
    client_key = client_key_for(request)

    def refused(message, status, errors=None):
        if autosave:
            return JsonResponse(
                {"saved": False, "detail": message, "errors": errors or {}},
                status=status,
            )
        answers = typed_answers(page, request)
        form = fresh_form(page, request, answers)
        return render_form_page(page, request, form, status=status, error=message)

    if page.call.status != CallStatus.OPEN:
        return refused(
            _("Cet appel n'est pas ouvert : le brouillon n'a pas été enregistré."), 410
        )
    # Before the body is read: its size, and the address's limits.
    if flood := flood_refusal(request, client_key):
        if autosave:
            return JsonResponse(
                {"saved": False, "detail": flood.detail, "errors": {}},
                status=flood.status,
            )
        return render_form_page(
            page,
            request,
            fresh_form(page, request),
            status=flood.status,
            error=flood.detail,
        )
    token = token_uuid(page, request.POST.get(TOKEN_FIELD))
    if token is None:
        record_refusal(client_key)
        return refused(
            _(
                "Cette page a expiré : le brouillon n'a pas été enregistré. Rechargez "
                "la page ; vos réponses sont conservées ci-dessous."
            ),
            400,
        )
    try:
        draft, created, file_errors = save_draft(
            page, request.POST, request.FILES, token=token, client_key=client_key
        )
    except DraftRefused as refusal:
        return refused(refusal.message, 422, refusal.errors)
    grant(request, "drafts", draft.pk)
    sent_to = None
    if draft.new_address:
        answers = draft_addressed.send(sender=Draft, request=request, draft=draft)
        sent_to = next((answer for _receiver, answer in answers if answer), None)
    saved_at = timezone.localtime(draft.updated_at).strftime("%H:%M")
    message = _("Brouillon enregistré à %(time)s.") % {"time": saved_at}
    if sent_to:
        message += " " + _("Un lien pour le reprendre a été envoyé à %(email)s.") % {
            "email": sent_to
        }
    elif draft.new_address:
        message += " " + _(
            "Trop de liens ont été demandés : aucun n'a été envoyé à %(email)s pour "
            "l'instant. Demandez-en un plus tard, depuis « Recevoir un nouveau lien »."
        ) % {"email": draft.email}
    if autosave:
        return JsonResponse(
            {
                "saved": True,
                "saved_at": saved_at,
                "draft": str(draft.pk),
                "detail": message,
            }
        )
    if file_errors:
        record_refusal(client_key)
        form = fresh_form(page, request, typed_answers(page, request), draft=draft)
        # The draft is saved; the refused files are said beside their field.
        form.errors  # noqa: B018 - an unbound form's (empty) errors, to add to
        form.cleaned_data = {}
        for name, errors in file_errors.items():
            for error in errors:
                form.add_error(name, error)
        return render_form_page(page, request, form, status=422, draft=draft)
    messages.success(request, message)
    url = page.get_url(request) + "?" + urlencode({DRAFT_PARAMETER: draft.pk})
    return HttpResponseRedirect(url, status=303)


# Steps (``forms.steps``) -----------------------------------------------------------


def answers_so_far(page, form, draft):
    """A bound form of the draft's answers (its files kept), checked: which steps
    apply, and what is still to answer."""
    token = QueryDict(mutable=True)
    token[TOKEN_FIELD] = form[TOKEN_FIELD].value() or ""
    bound = page.get_form(merged_data(form, token, draft), page=page)
    keep_draft_files(bound, draft)
    bound.is_valid()
    return bound


def steps_context(page, request, form, draft, key, *, preview=False):
    """What the page shows of a form in steps: the step ``key`` (or, on a bound form
    with errors, the first step to correct), or the review."""
    bound = form if form.is_bound else answers_so_far(page, form, draft)
    steps = shown_steps(bound)
    review = key == REVIEW and draft is not None and not preview
    step = None
    if form.is_bound and form.errors:
        step = first_step_with_errors(steps, form)
    elif review and bound.errors:  # a step skipped, or left incomplete
        form, step = bound, first_step_with_errors(steps, bound)
    elif not review:
        step = step_named(steps, key)
    if step is None and not (review and not bound.errors):
        step = steps[0]
    if step is not None:
        review = False
        if form.is_bound:
            keep_step_errors(form, step)
    total = len(steps) + 1  # the review is the last step
    number = total if review else step.number
    title = _("Vérifiez vos réponses") if review else step.title
    after = steps[number] if number < len(steps) else None
    shown, conditional = (
        step_fields(form, step, bound.hidden_names) if step else ([], False)
    )
    return {
        "form": form,
        "steps": steps,
        "step": step,
        "review": review,
        "step_number": number,
        "step_total": total,
        "step_heading": title,
        "step_title": _("Étape %(number)s sur %(total)s – %(title)s – %(page)s")
        % {"number": number, "total": total, "title": title, "page": page.title},
        "next_title": after.title
        if after
        else (_("Vérifiez vos réponses") if step else ""),
        "previous_step": steps[number - 2] if number > 1 else None,
        "step_fields": shown,
        "step_conditional": conditional,
        "carried_fields": carried_fields(form, step) if step and draft is None else [],
        "review_rows": review_rows(bound, steps) if review else [],
        "step_field": STEP_FIELD,
        "move_field": MOVE_FIELD,
        "move_next": NEXT,
        "move_previous": PREVIOUS,
        "step_parameter": STEP_PARAMETER,
        "review_key": REVIEW,
        "draft_parameter": DRAFT_PARAMETER,
        "draft_for_steps": draft,
    }


def serve_step(page, request, *args, **kwargs):
    """One step posted: its questions checked, every answer so far saved in the draft,
    then the next step (or the previous one, unchecked), or the review.

    The draft is saved even when the step has errors, once there is an address
    to send its link to: what was typed is never lost.
    """
    if page.call.status != CallStatus.OPEN:
        return render_form_page(page, request, None)
    client_key = client_key_for(request)
    if flood := flood_refusal(request, client_key):
        return render_form_page(
            page,
            request,
            fresh_form(page, request),
            status=flood.status,
            error=flood.detail,
        )
    try:
        post, files = request.POST, request.FILES
    except UNREADABLE_BODY + (RequestDataTooBig,):
        record_refusal(client_key)
        return render_form_page(
            page,
            request,
            fresh_form(page, request),
            status=400,
            error=_(
                "Votre envoi n'a pas pu être lu : remplissez de nouveau cette étape."
            ),
        )
    token = token_uuid(page, post.get(TOKEN_FIELD))
    if token is None:
        record_refusal(client_key)
        return render_form_page(
            page,
            request,
            fresh_form(page, request, typed_answers(page, request)),
            status=400,
            error=_(
                "Cette page a expiré : rechargez-la ; vos réponses sont conservées "
                "ci-dessous."
            ),
        )
    if earlier := earlier_candidature(page, token):  # sent already: its receipt
        return page.render_landing_page(request, earlier, *args, **kwargs)
    draft = Draft.objects.filter(page=page, token=token).first()
    blank = page.get_form(page=page)
    order = [step.key for step in steps_of(blank)]
    key = post.get(STEP_FIELD) if post.get(STEP_FIELD) in order else order[0]
    data = merged_data(blank, post, draft, step_named(steps_of(blank), key))
    form = page.get_form(data, files, page=page)
    keep_draft_files(form, draft)
    form.is_valid()
    try:
        draft, _created, _file_errors = save_draft(
            page, data, files, token=token, client_key=client_key
        )
    except DraftRefused:
        draft = None  # no address yet: said beside its field
    else:
        grant(request, "drafts", draft.pk)
        if draft.new_address:
            answers = draft_addressed.send(sender=Draft, request=request, draft=draft)
            sent_to = next((answer for _receiver, answer in answers if answer), None)
            message = _("Vos réponses sont enregistrées en brouillon à chaque étape.")
            if sent_to:
                message += " " + _(
                    "Un lien pour les reprendre a été envoyé à %(email)s."
                ) % {"email": sent_to}
            messages.info(request, message)
    steps = shown_steps(form)
    current = step_named(steps, key)
    backwards = post.get(MOVE_FIELD) == PREVIOUS
    wrong = current is not None and (
        NON_FIELD_ERRORS in form.errors
        or any(name in form.errors for name in questions(form, current))
    )
    if draft is None or (wrong and not backwards):
        keep_draft_files(form, draft)
        return render_form_page(
            page, request, form, status=422, draft=draft, step_key=key
        )
    position = order.index(key)
    shown = [step.key for step in steps]
    if backwards:
        earlier_keys = [k for k in shown if order.index(k) < position]
        target = earlier_keys[-1] if earlier_keys else shown[0]
    else:
        later = [k for k in shown if order.index(k) > position]
        target = later[0] if later else REVIEW
    query = urlencode({DRAFT_PARAMETER: draft.pk, STEP_PARAMETER: target})
    return HttpResponseRedirect(f"{page.get_url(request)}?{query}", status=303)


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
    # Masked for a member of a blind round (``selection.blind``), as the dossier lists it.
    name = file_name_for(request.user, attachment)
    return private_download(attachment, request, name=name)
