"""The applicant's space: links that open a draft or a dossier, the dossier page,
its edit and its withdrawal. No account: a browser holds what its links opened
(``forms.access``)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from wagtail.models import Site

from core.files import private_download
from core.throttle import client_key_for
from forms.access import granted
from forms.builder import CONFIRMATION_SUFFIX, IDENTITY_PREFIX, MultipleFileField
from forms.choices import CLOSING_STATUSES, Status
from forms.drafts import keep_files
from forms.models import Candidature, CandidatureAttachment
from forms.services import (
    TOO_MANY_REFUSALS,
    NotRevisable,
    change_status,
    rate_limited,
    record_refusal,
    revisable,
    revise_candidature,
)
from forms.submission import flood_refusal

from .dossiers import history, opened_candidature, public_status, sent_decisions
from .links import LinkRefused, read_link, use_link
from .models import CorrectionRequest, Message, MessageAttachment
from .proconnect import applicant_proconnect_enabled
from .receivers import LINK_REQUESTS
from .tasks import send_links
from .thread import (
    MessageForm,
    answer_correction,
    correctable_fields,
    open_corrections,
    post_message,
    thread,
)

LINK_REFUSALS = {
    "forged": (
        404,
        lambda: _("Ce lien n'est pas valide"),
        lambda: _(
            "Il a peut-être été mal copié. Demandez un nouveau lien : il sera "
            "envoyé à votre adresse."
        ),
    ),
    "expired": (
        410,
        lambda: _("Ce lien a expiré"),
        lambda: _(
            "Les liens envoyés par courriel ne servent qu'un temps, et celui d'un "
            "brouillon s'éteint quand le brouillon est envoyé. Demandez-en un "
            "nouveau : il sera envoyé à votre adresse."
        ),
    ),
    "used": (
        410,
        lambda: _("Ce lien a déjà servi"),
        lambda: _(
            "Chaque lien ne s'ouvre qu'une fois. Demandez-en un nouveau : il sera "
            "envoyé à votre adresse."
        ),
    ),
}


def render(request, template, context=None, status=200):
    response = TemplateResponse(
        request, f"applicants/{template}", context or {}, status=status
    )
    response["Cache-Control"] = "private, no-store"
    # The link must not leak to another site (no-referrer would send « Origin:
    # null » with the form, and fail its CSRF check).
    response["Referrer-Policy"] = "same-origin"
    return response


def target_url(request, link):
    if link.candidature_id:
        return reverse("applicants:dossier", args=[link.candidature.reference])
    page = link.draft.page
    return page.get_url(request) + "?" + urlencode({"brouillon": link.draft_id})


def on_its_site(request, link):
    """Whether the request comes through the site of the link's call (fails closed)."""
    call = link.candidature.call if link.candidature_id else link.draft.call
    site, call_site = Site.find_for_request(request), call.get_site()
    return site is not None and call_site is not None and site.pk == call_site.pk


def link_refused(request, refusal):
    status, title, detail = LINK_REFUSALS[refusal.kind]
    if refusal.kind == "forged":
        record_refusal(client_key_for(request))
    return render(
        request,
        "link_refused.html",
        {"title": title(), "detail": detail(), "email_form": EmailForm()},
        status=status,
    )


@never_cache
def open_link(request, token):
    """GET says what the link opens, POST opens it (mail scanners only GET)."""
    if rate_limited(client_key_for(request)) == TOO_MANY_REFUSALS:
        return render(
            request,
            "link_refused.html",
            {
                "title": _("Trop de liens refusés"),
                "detail": _(
                    "Trop de liens invalides ont été ouverts depuis cette adresse : "
                    "réessayez dans une heure."
                ),
                "email_form": EmailForm(),
            },
            status=429,
        )
    try:
        link = read_link(token)
        if not on_its_site(request, link):
            # Opened through another incubator's address: not used up here.
            raise LinkRefused("forged")
        if request.method == "POST":
            link = use_link(request, token)
            return HttpResponseRedirect(target_url(request, link), status=303)
    except LinkRefused as refusal:
        return link_refused(request, refusal)
    kind = "candidatures" if link.candidature_id else "drafts"
    if granted(request, kind, link.candidature_id or link.draft_id):
        return HttpResponseRedirect(target_url(request, link), status=303)
    call = link.candidature.call if link.candidature_id else link.draft.call
    return render(
        request, "open_link.html", {"link": link, "call": call, "token": token}
    )


class EmailForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Votre adresse électronique professionnelle"),
        max_length=254,
        help_text=gettext_lazy("Celle que vous avez indiquée dans le formulaire."),
    )


@never_cache
def new_link(request):
    """Send links to the drafts and dossiers of an address, on this site.

    The answer is the same whether the address has any or none: it reveals
    nothing to who only knows the address.
    """
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        window = LINK_REQUESTS.blocked_for(request, email)
        if window:
            record_refusal(client_key_for(request))
            form.add_error(None, LINK_REQUESTS.refusal_message(window))
            return render(request, "new_link.html", {"form": form}, status=429)
        LINK_REQUESTS.record(request, email)
        site = Site.find_for_request(request)
        send_links.enqueue(email, site.pk if site else None)
        return render(request, "new_link_sent.html", {"email": email})
    return render(
        request,
        "new_link.html",
        {"form": form, "proconnect": applicant_proconnect_enabled(request)},
        status=422 if request.method == "POST" else 200,
    )


def flooded(request):
    """A refusal before the body is read (too big, an address over its limits), or None."""
    if request.method != "POST":
        return None
    refusal = flood_refusal(request, client_key_for(request))
    if refusal is None:
        return None
    return render(
        request,
        "link_refused.html",
        {
            "title": _("Votre envoi n'a pas été enregistré"),
            "detail": refusal.detail,
            "email_form": EmailForm(),
        },
        status=refusal.status,
    )


def counted(request, form):
    """Count a form refused for its files against the address, like the form's."""
    if any(
        isinstance(form.fields.get(name), MultipleFileField) for name in form.errors
    ):
        record_refusal(client_key_for(request))


def dossier_or_refusal(request, reference):
    if refusal := flooded(request):
        return None, refusal
    candidature = opened_candidature(request, reference)
    if candidature is None:
        return None, render(
            request, "not_open.html", {"email_form": EmailForm()}, status=403
        )
    return candidature, None


@never_cache
def dossier(request, reference):
    candidature, refusal = dossier_or_refusal(request, reference)
    if refusal:
        return refusal
    return render_dossier(request, candidature)


def render_dossier(
    request, candidature, *, withdraw_form=None, message_form=None, status=200
):
    decisions = sent_decisions(candidature)
    messages_ = thread(candidature)
    if status == 200:  # read by the applicant once shown: what the team wrote since
        Message.objects.filter(
            candidature=candidature, author=Message.Author.TEAM, read_at=None
        ).update(read_at=timezone.now())
    return render(
        request,
        "dossier.html",
        {
            "thread": messages_,
            "open_corrections": open_corrections(candidature),
            "labels": dict(correctable_fields(candidature)),
            "message_form": message_form or MessageForm(),
            "candidature": candidature,
            "call": candidature.call,
            "status": public_status(candidature, decisions),
            "answers": candidature.answers(),
            "events": history(candidature, decisions),
            "decisions": decisions,
            "revisable": revisable(candidature),
            "can_withdraw": candidature.status not in CLOSING_STATUSES,
            "withdraw_form": withdraw_form or WithdrawForm(),
        },
        status=status,
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Pourquoi retirez-vous votre candidature ?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Ce motif est transmis à l'équipe du programme."),
        error_messages={
            "required": gettext_lazy(
                "Indiquez pourquoi vous retirez votre candidature."
            )
        },
    )


@never_cache
def withdraw(request, reference):
    candidature, refusal = dossier_or_refusal(request, reference)
    if refusal:
        return refusal
    if request.method != "POST":
        return HttpResponseRedirect(
            reverse("applicants:dossier", args=[reference]) + "#retirer"
        )
    form = WithdrawForm(request.POST)
    if form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            with transaction.atomic():
                # Locked and read again: a second click withdraws nothing more.
                candidature = Candidature.objects.select_for_update().get(
                    pk=candidature.pk
                )
                if candidature.status in CLOSING_STATUSES:
                    return HttpResponseRedirect(
                        reverse("applicants:dossier", args=[reference]), status=303
                    )
                change_status(candidature, Status.WITHDRAWN, reason=reason)
                # In the thread too: the team is told by email, like an answer.
                post_message(
                    candidature,
                    author=Message.Author.APPLICANT,
                    body=_("Candidature retirée. Motif : %(reason)s")
                    % {"reason": reason},
                )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Votre candidature est retirée."))
            return HttpResponseRedirect(
                reverse("applicants:dossier", args=[reference]), status=303
            )
    return render_dossier(request, candidature, withdraw_form=form, status=422)


def not_checked(*args, **kwargs):
    return None


def edit_form(candidature, request, data=None, files=None, only=None):
    """The candidature's form, holding its answers; its files kept unless replaced.

    ``only``: the fields a correction reopened; the others are shown, not changed.
    """
    page = candidature.page.specific
    file_fields = {
        f["name"] for f in candidature.definition.fields if f["type"] == "file"
    }
    answers = {k: v for k, v in candidature.form_data.items() if k not in file_fields}
    initial = {
        # A file field starts empty: what is joined is kept unless replaced.
        **answers,
        # An address typed twice comes back twice: changing it asks for both.
        **{f"{k}{CONFIRMATION_SUFFIX}": v for k, v in answers.items()},
        f"{IDENTITY_PREFIX}name": candidature.applicant_name,
        f"{IDENTITY_PREFIX}email": candidature.applicant_email,
        f"{IDENTITY_PREFIX}administration": candidature.administration,
        f"{IDENTITY_PREFIX}service": candidature.service,
    }
    form = page.get_form(data, files, page=page, user=None, initial=initial)
    # Links and emails go to this address: it is not changed here.
    form.fields[f"{IDENTITY_PREFIX}email"].disabled = True
    keep_files(
        form,
        {
            row["name"]: row["value"]
            for row in candidature.answers()
            if row["type"] == "file"
        },
    )
    if only is not None:
        # Shown for the record, never checked (an answer the form no longer
        # offers must not block the correction): what was stored stays as it is.
        for name, field in form.fields.items():
            reopened = name.removesuffix(CONFIRMATION_SUFFIX) in only
            if not reopened and name != "jeton":
                field.disabled = True
                field.required = False
                field.clean = not_checked
    return form


@never_cache
def edit(request, reference):
    candidature, refusal = dossier_or_refusal(request, reference)
    if refusal:
        return refusal
    dossier_url = reverse("applicants:dossier", args=[reference])
    if not revisable(candidature):
        messages.warning(
            request,
            _(
                "Cette candidature ne peut plus être modifiée : l'appel est clos ou "
                "l'équipe a commencé son examen."
            ),
        )
        return HttpResponseRedirect(dossier_url, status=303)
    status = 200
    if request.method == "POST":
        form = edit_form(candidature, request, request.POST, request.FILES)
        if form.is_valid():
            try:
                changed = revise_candidature(candidature, form) is not None
            except NotRevisable:
                messages.warning(
                    request,
                    _(
                        "L'équipe vient de commencer l'examen de cette candidature : "
                        "votre modification n'a pas été enregistrée."
                    ),
                )
                return HttpResponseRedirect(dossier_url, status=303)
            if changed:
                messages.success(
                    request,
                    _(
                        "Vos modifications sont enregistrées ; la version précédente est conservée."
                    ),
                )
            else:
                messages.info(request, _("Rien n'a changé : aucune nouvelle version."))
            return HttpResponseRedirect(dossier_url, status=303)
        status = 422
    else:
        form = edit_form(candidature, request)
    return render(
        request,
        "edit.html",
        {"candidature": candidature, "call": candidature.call, "form": form},
        status=status,
    )


@never_cache
def download(request, reference, pk):
    candidature = opened_candidature(request, reference)
    if candidature is None:
        raise Http404
    attachment = get_object_or_404(
        CandidatureAttachment, pk=pk, candidature=candidature, version=None
    )
    return private_download(attachment, request)


@never_cache
def write(request, reference):
    """The applicant answers the team, in the dossier's thread."""
    candidature, refusal = dossier_or_refusal(request, reference)
    if refusal:
        return refusal
    dossier_url = reverse("applicants:dossier", args=[reference])
    if request.method != "POST":
        return HttpResponseRedirect(dossier_url + "#messages")
    form = MessageForm(request.POST, request.FILES)
    if not form.is_valid():
        counted(request, form)
        return render_dossier(request, candidature, message_form=form, status=422)
    post_message(
        candidature,
        author=Message.Author.APPLICANT,
        body=form.cleaned_data["body"],
        files=form.cleaned_data["files"],
    )
    messages.success(request, _("Votre message est envoyé à l'équipe du programme."))
    return HttpResponseRedirect(dossier_url + "#messages", status=303)


@never_cache
def correct(request, reference, pk):
    """Answer a correction request: only the fields it reopened, until its deadline."""
    candidature, refusal = dossier_or_refusal(request, reference)
    if refusal:
        return refusal
    dossier_url = reverse("applicants:dossier", args=[reference])
    correction = get_object_or_404(CorrectionRequest, pk=pk, candidature=candidature)
    if not correction.is_open():
        messages.warning(
            request,
            _(
                "Cette demande de complément n'est plus ouverte (déjà complétée, "
                "annulée ou échue) : écrivez à l'équipe si besoin."
            ),
        )
        return HttpResponseRedirect(dossier_url, status=303)
    reopened = set(correction.fields)
    if request.method == "POST":
        form = edit_form(
            candidature, request, request.POST, request.FILES, only=reopened
        )
        if form.is_valid():
            try:
                version = answer_correction(correction, form)
            except NotRevisable:
                messages.warning(
                    request,
                    _(
                        "Cette demande de complément n'est plus ouverte : rien n'a été enregistré."
                    ),
                )
                return HttpResponseRedirect(dossier_url, status=303)
            if version is None:
                form.add_error(
                    None,
                    _("Rien n'a changé : modifiez au moins un des champs demandés."),
                )
            else:
                messages.success(
                    request,
                    _("Votre complément est envoyé à l'équipe du programme."),
                )
                return HttpResponseRedirect(dossier_url, status=303)
        counted(request, form)
        status = 422
    else:
        form = edit_form(candidature, request, only=reopened)
        status = 200
    return render(
        request,
        "edit.html",
        {
            "candidature": candidature,
            "call": candidature.call,
            "form": form,
            "correction": correction,
        },
        status=status,
    )


@never_cache
def message_file(request, reference, pk):
    candidature = opened_candidature(request, reference)
    if candidature is None:
        raise Http404
    attachment = get_object_or_404(
        MessageAttachment, pk=pk, message__candidature=candidature
    )
    return private_download(attachment, request)
