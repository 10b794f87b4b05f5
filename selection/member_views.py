"""The programme team's « Membres et avancement » of a round: who sits on it, how far
each has gone, inviting a person by email, sending the invitation again,
taking a member off the round."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from core.text import SingleLineFormField

from .invitations import (
    enqueue_invitation,
    invitation_days,
    invite_member,
    new_invitation,
    person_name,
)
from .members import removal_date, remove_member, round_progress
from .models import JuryInvitation, RoundMember
from .round_views import TeamRoundPage, round_of_team


class InviteForm(forms.Form):
    last_name = SingleLineFormField(label=gettext_lazy("Nom"), max_length=150)
    first_name = SingleLineFormField(
        label=gettext_lazy("Prénom"), max_length=150, required=False
    )
    email = forms.EmailField(
        label=gettext_lazy("Adresse électronique"),
        error_messages={
            "invalid": gettext_lazy(
                "Saisissez une adresse électronique valide, par exemple "
                "prenom.nom@administration.fr."
            )
        },
    )
    administration = SingleLineFormField(
        label=gettext_lazy("Administration"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Sert à signaler les conflits d'intérêts probables."),
    )


class RoundMembersView(TeamRoundPage):
    template_name = "selection/rounds/members.html"
    header_icon = "group"

    def get_page_title(self):
        return _("Membres et avancement — %s") % self.review_round

    def breadcrumb_label(self):
        return _("Membres et avancement")

    def parents(self):
        return [
            (reverse("review_rounds:index"), _("Tours d'examen")),
            (
                reverse("review_rounds:ranking", args=[self.review_round.pk]),
                _("Classement — %s") % self.review_round,
            ),
        ]

    def can_manage(self):
        return self.request.user.has_perm("selection.change_reviewround")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            review_round=self.review_round,
            rows=round_progress(self.review_round),
            invitations=JuryInvitation.objects.filter(round=self.review_round)
            .select_related("user", "invited_by")
            .order_by("-created_at", "-pk")[:50],
            can_manage=self.can_manage(),
            form=kwargs.get("form") or InviteForm(),
            invitation_days=invitation_days(),
            now=timezone.now(),
        )
        return context

    def post(self, request, *args, **kwargs):
        if not self.can_manage():
            raise PermissionDenied
        form = InviteForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            invitation, notes = invite_member(
                self.review_round, invited_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.render_to_response(self.get_context_data(form=form))
        enqueue_invitation(invitation)
        message = _("Invitation envoyée à %(email)s.") % {"email": invitation.email}
        if notes:
            message = f"{message} ({' ; '.join(str(note) for note in notes)})"
        messages.success(request, message)
        return redirect("review_rounds:members", pk=self.review_round.pk)


class MemberActionView(WagtailAdminTemplateMixin, TemplateView):
    """A button of the members' table: a POST, never a page of its own."""

    http_method_names = ["post"]

    def post(self, request, pk, member_id):
        if not request.user.has_perm("selection.change_reviewround"):
            raise PermissionDenied
        review_round = round_of_team(request, pk)
        membership = get_object_or_404(
            RoundMember.objects.select_related("user"),
            round=review_round,
            pk=member_id,
        )
        self.act(request, review_round, membership)
        return redirect("review_rounds:members", pk=review_round.pk)


class ResendInvitationView(MemberActionView):
    def act(self, request, review_round, membership):
        if membership.removed_at is not None:
            messages.error(
                request,
                _(
                    "%(member)s a été retiré de ce tour : invitez-le de nouveau avec "
                    "le formulaire pour l'y remettre."
                )
                % {"member": person_name(membership.user)},
            )
            return
        if not membership.user.email:
            messages.error(
                request,
                _("%(member)s n'a pas d'adresse électronique : rien à envoyer.")
                % {"member": person_name(membership.user)},
            )
            return
        invitation = new_invitation(
            review_round, membership.user, invited_by=request.user
        )
        enqueue_invitation(invitation)
        messages.success(
            request,
            _(
                "Nouvelle invitation envoyée à %(email)s ; le lien précédent ne "
                "fonctionne plus."
            )
            % {"email": invitation.email},
        )


class RemoveMemberView(MemberActionView):
    def act(self, request, review_round, membership):
        name = person_name(membership.user)
        if membership.removed_at is not None:
            messages.info(
                request,
                _("%(member)s a déjà été retiré de ce tour le %(date)s.")
                % {"member": name, "date": removal_date(membership)},
            )
            return
        if remove_member(membership, by=request.user):
            messages.success(
                request,
                _(
                    "%(member)s est retiré du tour : il ne le voit plus. Ses "
                    "évaluations rendues sont conservées et comptent toujours, "
                    "marquées « membre retiré »."
                )
                % {"member": name},
            )
        else:
            messages.success(
                request,
                _("%(member)s est retiré du tour (il n'y avait rien évalué).")
                % {"member": name},
            )
