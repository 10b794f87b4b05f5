"""The programme team's « Attribution des dossiers » screen: who reads what in a round.

Per dossier, the members who read it (with a button to take one off and a
list to add one); per member, how many dossiers they have. The same number of
queries for ten dossiers or ten thousand: a page at a time.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail.admin.paginator import WagtailPaginator

from core.views import as_int

from .assignments import (
    assign,
    auto_assign,
    declared_conflicts,
    load_by_member,
    member_name,
    readers_of,
    submitted_by_member,
    unassign,
)
from .models import Assignment
from .round_views import TeamRoundPage

PER_PAGE = 100  # dossiers a page


def dossier_row(candidature, assignments, wanted, memberships, names, declared):
    """One dossier of the table: its readers, and the members who may be added."""
    readers = {a.member_id for a in assignments}
    return {
        "candidature": candidature,
        "assignments": [
            {
                "assignment": a,
                "name": member_name(a.member),
                "conflict": (candidature.pk, a.member_id) in declared,
            }
            for a in assignments
        ],
        "short": candidature.readers < wanted,
        "addable": [
            (m.user_id, names[m.user_id])
            for m in memberships
            if m.user_id not in readers and (candidature.pk, m.user_id) not in declared
        ],
    }


class AssignmentsView(TeamRoundPage):
    template_name = "selection/rounds/assignments.html"
    header_icon = "group"

    def get_page_title(self):
        return _("Attribution des dossiers — %s") % self.review_round

    def parents(self):
        return [
            (reverse("review_rounds:index"), _("Tours d'examen")),
            (
                reverse("review_rounds:ranking", args=[self.review_round.pk]),
                _("Classement — %s") % self.review_round,
            ),
        ]

    def breadcrumb_label(self):
        return _("Attribution des dossiers")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        review_round = self.review_round
        wanted = review_round.reviewers_per_dossier
        members = review_round.memberships.filter(
            removed_at__isnull=True
        ).select_related("user")
        memberships = list(members.order_by("sort_order", "pk"))
        load = load_by_member(review_round)
        submitted = submitted_by_member(review_round)
        dossiers = review_round.candidatures.defer("form_data")
        incomplete = self.request.GET.get("incomplets") == "1"
        if incomplete:
            dossiers = dossiers.annotate(readers=readers_of(review_round)).filter(
                readers__lt=wanted
            )
        paginator = WagtailPaginator(dossiers.order_by("reference"), PER_PAGE)
        page = paginator.get_page(self.request.GET.get("p"))
        rows = list(page.object_list)
        ids = [c.pk for c in rows]
        # Counted for the page's dossiers only: a count per dossier, computed
        # for the whole round before the page is cut, cost ×6 at 10,000.
        readers = dict(
            review_round.candidatures.filter(pk__in=ids)
            .annotate(readers=readers_of(review_round))
            .values_list("pk", "readers")
        )
        for candidature in rows:
            candidature.readers = readers[candidature.pk]
        by_dossier = {}
        for assignment in (
            Assignment.objects.filter(
                round=review_round,
                candidature_id__in=ids,
                member__round_memberships__round=review_round,
                member__round_memberships__removed_at__isnull=True,
            )
            .select_related("member", "made_by")
            .order_by("member__last_name", "member__username")
        ):
            by_dossier.setdefault(assignment.candidature_id, []).append(assignment)
        declared = declared_conflicts(review_round, ids)
        names = {m.user_id: member_name(m.user) for m in memberships}
        context.update(
            review_round=review_round,
            wanted=wanted,
            can_edit=self.request.user.has_perm("selection.change_reviewround"),
            members=[
                {
                    "membership": m,
                    "name": names[m.user_id],
                    "load": load.get(m.user_id, 0),
                    "submitted": submitted.get(m.user_id, 0),
                }
                for m in memberships
            ],
            rows=[
                dossier_row(
                    c, by_dossier.get(c.pk, []), wanted, memberships, names, declared
                )
                for c in rows
            ],
            incomplete=incomplete,
            page_obj=page,
            elided_page_range=paginator.get_elided_page_range(page.number),
        )
        return context

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("selection.change_reviewround"):
            raise PermissionDenied
        action = request.POST.get("action")
        handler = {
            "auto": self.auto,
            "add": self.add,
            "remove": self.remove,
        }.get(action)
        if handler is None:
            messages.error(request, _("Action inconnue : rien n'a changé."))
        else:
            try:
                handler(request)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
        return redirect(request.get_full_path())

    def auto(self, request):
        result = auto_assign(self.review_round, by=request.user)
        wanted = self.review_round.reviewers_per_dossier
        if result.created:
            messages.success(
                request,
                ngettext(
                    "%(count)s attribution ajoutée.",
                    "%(count)s attributions ajoutées.",
                    result.created,
                )
                % {"count": result.created},
            )
        elif not result.short:
            messages.success(
                request,
                _("Chaque dossier a déjà %(wanted)s membres : rien à ajouter.")
                % {"wanted": wanted},
            )
        if result.short:
            listed = " ; ".join(
                _("%(reference)s : %(have)s sur %(wanted)s")
                % {"reference": reference, "have": have, "wanted": need}
                for reference, have, need in result.short[:50]
            )
            more = len(result.short) - 50
            if more > 0:
                listed += " ; " + _("et %(count)s autres") % {"count": more}
            messages.warning(
                request,
                ngettext(
                    "%(count)s dossier n'atteint pas %(wanted)s membres, faute de "
                    "membres sans conflit d'intérêts (déclaré ou probable) : "
                    "%(list)s. Ajoutez des membres au tour, ou attribuez à la main "
                    "en confirmant un conflit probable.",
                    "%(count)s dossiers n'atteignent pas %(wanted)s membres, faute "
                    "de membres sans conflit d'intérêts (déclaré ou probable) : "
                    "%(list)s. Ajoutez des membres au tour, ou attribuez à la main "
                    "en confirmant un conflit probable.",
                    len(result.short),
                )
                % {"count": len(result.short), "wanted": wanted, "list": listed},
            )

    def add(self, request):
        candidature = self.review_round.candidatures.filter(
            pk=as_int(request.POST.get("candidature"))
        ).first()
        if candidature is None:
            raise ValidationError(_("Ce dossier n'est pas dans ce tour."))
        membership = (
            self.review_round.memberships.filter(removed_at__isnull=True)
            .select_related("user")
            .filter(user_id=as_int(request.POST.get("member")))
            .first()
        )
        if membership is None:
            raise ValidationError(
                _("Choisissez un membre du tour pour le dossier %(reference)s.")
                % {"reference": candidature.reference}
            )
        assign(
            self.review_round,
            candidature,
            membership,
            by=request.user,
            confirm_likely=request.POST.get("confirm") == "1",
        )
        messages.success(
            request,
            _("Dossier %(reference)s attribué à %(member)s.")
            % {
                "reference": candidature.reference,
                "member": member_name(membership.user),
            },
        )

    def remove(self, request):
        assignment = (
            Assignment.objects.filter(round=self.review_round)
            .select_related("member", "candidature")
            .filter(pk=as_int(request.POST.get("assignment")))
            .first()
        )
        if assignment is None:
            raise ValidationError(
                _(
                    "Cette attribution n'existe plus (retirée entre-temps) : rien "
                    "n'a changé."
                )
            )
        unassign(assignment, by=request.user)
        messages.success(
            request,
            _("%(member)s ne lit plus le dossier %(reference)s.")
            % {
                "member": member_name(assignment.member),
                "reference": assignment.candidature.reference,
            },
        )
