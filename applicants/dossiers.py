"""What the applicant sees of a dossier: its status in plain words, and its history.

The applicant learns a decision when the team sends it, not when it is
recorded: until then, a candidature the team has started to examine reads
« En cours d'examen ».
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from wagtail.models import Site

from forms.access import granted
from forms.choices import Status
from forms.models import Candidature
from selection.models import Notification


def opened_candidature(request, reference):
    """The candidature of ``reference`` if this browser opened it by its link, on its site."""
    candidature = (
        Candidature.objects.select_related("call", "page", "definition")
        .filter(reference=reference, anonymised_at=None)
        .first()
    )
    if candidature is None or not granted(request, "candidatures", candidature.pk):
        return None
    site, call_site = Site.find_for_request(request), candidature.call.get_site()
    if site is None or call_site is None or site.pk != call_site.pk:
        return None  # only on its own site, and never when that cannot be told
    return candidature


def sent_decisions(candidature):
    return list(
        Notification.objects.filter(
            candidature=candidature, state=Notification.State.SENT
        ).order_by("sent_at", "pk")
    )


@dataclass
class PublicStatus:
    label: str
    explanation: str
    tone: str  # the DSFR badge: info, success, warning, error, new


def public_status(candidature, decisions):
    """The status as the applicant may know it."""
    if candidature.status == Status.WITHDRAWN:
        return PublicStatus(
            _("Retirée"), _("Vous avez retiré cette candidature."), "warning"
        )
    if candidature.status == Status.CANCELLED:
        return PublicStatus(
            _("Annulée"),
            _("L'équipe du programme a annulé cette candidature."),
            "warning",
        )
    if decisions:
        announced = Status(decisions[-1].status)
        tone = {
            Status.SELECTED: "success",
            Status.PRESELECTED: "success",
            Status.ELIGIBLE: "info",
        }.get(announced, "error")
        return PublicStatus(
            announced.label,
            _("Décision envoyée le %(date)s : elle figure ci-dessous.")
            % {"date": decisions[-1].sent_at.strftime("%d/%m/%Y")},
            tone,
        )
    if candidature.status == Status.RECEIVED:
        return PublicStatus(
            _("Reçue"),
            _(
                "Votre candidature est enregistrée. Vous pouvez la modifier tant "
                "que l'appel est ouvert et que l'équipe n'a pas commencé son examen."
            ),
            "info",
        )
    return PublicStatus(
        _("En cours d'examen"),
        _("L'équipe du programme examine votre candidature."),
        "new",
    )


@dataclass
class Event:
    at: object
    title: str
    detail: str = ""


def history(candidature, decisions):
    """What happened to the dossier that concerns its applicant, oldest first."""
    events = [Event(candidature.submit_time, _("Candidature envoyée"))]
    for version in candidature.versions.all():
        events.append(
            Event(
                version.replaced_at,
                _("Candidature modifiée"),
                _("La version %(number)s est conservée.") % {"number": version.number},
            )
        )
    for change in candidature.status_changes.filter(
        to_status__in=[Status.WITHDRAWN, Status.CANCELLED]
    ):
        # The applicant's own reason is theirs; the team's reason for a
        # cancellation is the team's note (a duplicate of another person's…).
        reason = change.reason if change.to_status == Status.WITHDRAWN else ""
        events.append(Event(change.created_at, Status(change.to_status).label, reason))
    for notification in decisions:
        events.append(
            Event(
                notification.sent_at,
                _("Décision envoyée : %(status)s")
                % {"status": Status(notification.status).label},
            )
        )
    return sorted(events, key=lambda event: event.at)
