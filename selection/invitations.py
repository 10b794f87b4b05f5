"""Inviting a person to sit on a round, by email, with a link to set a password.

The programme team gives a name, an address and an administration. The
account is found by address (whatever the case, active or not) or created
without a usable password; it joins the jury group of the call's site, and
sits on the round. An email carries a link holding a random token, of which
only a hash is kept: it opens once, for ``AMORCE_JURY_INVITATION_MAX_AGE``
seconds after it was sent. A person without a password sets one there (and
lands on « Mes évaluations »); one who has a password is told to sign in as
usual, and their first sign-in accepts the invitation. A new invitation to the
same person for the same round voids the older link.

Another way to sign in (an identity provider, issue 19) plugs in through
``SIGN_IN_OPTIONS``: nothing here assumes a password is the only one.
"""

import hashlib
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django_tasks import task

from accounts.backends import free_username
from forms.emails import Letterhead

from .models import JuryInvitation, RoundMember
from .permissions import PROGRAMME_APP, PROGRAMME_CODENAME, jury_group, site_users

logger = logging.getLogger("amorce.selection")

# Other ways to sign in offered on the invitation's page, besides a password
# (an identity provider): functions of (request, invitation) answering
# {"label": …, "url": …} or None when they do not apply.
SIGN_IN_OPTIONS = []


def invitation_max_age():
    return getattr(settings, "AMORCE_JURY_INVITATION_MAX_AGE", 14 * 24 * 3600)


def invitation_days():
    return max(1, invitation_max_age() // 86400)


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def person_name(user):
    return user.get_full_name() or user.get_username()


def rights_beyond_jury(user, site):
    """Whether ``user`` holds rights other than sitting on the rounds of ``site``."""
    jury_groups = Group.objects.filter(
        site_link__site=site,
        permissions__content_type__app_label="selection",
        permissions__codename="sit_on_round",
    ).exclude(
        pk__in=Group.objects.filter(
            permissions__content_type__app_label=PROGRAMME_APP,
            permissions__codename=PROGRAMME_CODENAME,
        ).values("pk")
    )
    return (
        user.groups.exclude(pk__in=jury_groups.values("pk")).exists()
        or user.user_permissions.exists()
    )


def find_or_create_account(email, *, first_name="", last_name=""):
    """The account of this address (any case, active or not), or a new one.

    Returns (user, created). Several accounts for one address: refused, the
    team must say which (an administrator merges or changes them).
    """
    User = get_user_model()
    accounts = list(User.objects.filter(email__iexact=email).order_by("pk")[:2])
    if len(accounts) > 1:
        raise ValidationError(
            _(
                "Plusieurs comptes portent l'adresse %(email)s : demandez à un "
                "administrateur de n'en garder qu'un, puis invitez de nouveau."
            )
            % {"email": email},
            code="ambiguous",
        )
    if accounts:
        user = accounts[0]
        changed = []
        if not user.first_name and first_name:
            user.first_name, changed = first_name, [*changed, "first_name"]
        if not user.last_name and last_name:
            user.last_name, changed = last_name, [*changed, "last_name"]
        if changed:
            user.save(update_fields=changed)
        return user, False
    user = User(
        username=free_username(email),
        email=email,
        first_name=first_name,
        last_name=last_name,
    )
    user.set_unusable_password()
    user.save()
    return user, True


def invite_member(
    review_round, *, email, last_name, first_name="", administration="", invited_by
):
    """Seat the person of ``email`` on ``review_round`` and prepare their invitation.

    All or nothing. Returns (invitation, notes): ``notes`` tells the team what
    was done beside (account created, reactivated, put back on the round).
    The email itself is sent by ``send_invitation``, after the commit.
    """
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            _("« %(email)s » n'est pas une adresse électronique valide.")
            % {"email": email},
            code="email",
        ) from None
    site = review_round.call.get_site()
    if site is None:
        raise ValidationError(
            _("L'appel de ce tour n'est publié sur aucun site : rien à rejoindre."),
            code="no_site",
        )
    notes = []
    with transaction.atomic():
        # One invitation of this round at a time: a double click finds the
        # account and the seat the first one made (PostgreSQL; SQLite writes
        # one at a time anyway).
        type(review_round).objects.select_for_update().filter(
            pk=review_round.pk
        ).first()
        user, created = find_or_create_account(
            email, first_name=first_name.strip(), last_name=last_name.strip()
        )
        if created:
            notes.append(_("compte créé"))
        elif not user.is_active and user.is_superuser:
            # Not the programme team's to give back: an administrator's rights.
            raise ValidationError(
                _(
                    "Le compte de %(email)s est un compte d'administrateur "
                    "désactivé : seul un administrateur peut le réactiver."
                )
                % {"email": email},
                code="inactive_admin",
            )
        elif not user.is_active and rights_beyond_jury(user, site):
            # Deactivated with other rights (the programme team, another site):
            # reactivating would give them back; an administrator decides.
            raise ValidationError(
                _(
                    "Le compte de %(email)s est désactivé et porte d'autres droits "
                    "que ceux d'un juré de ce site : seul un administrateur peut "
                    "le réactiver."
                )
                % {"email": email},
                code="inactive_with_rights",
            )
        elif not user.is_active:
            user.is_active = True
            user.save(update_fields=["is_active"])
            notes.append(_("compte désactivé, réactivé"))
        if not site_users([site]).filter(pk=user.pk).exists():
            group = jury_group(site)
            if group is None:
                raise ValidationError(
                    _(
                        "Le site de cet appel n'a pas de groupe Jury : un "
                        "administrateur doit d'abord le créer."
                    ),
                    code="no_group",
                )
            user.groups.add(group)
            notes.append(_("ajouté au groupe « %(group)s »") % {"group": group.name})
        membership = (
            RoundMember.objects.select_for_update()
            .filter(round=review_round, user=user)
            .first()
        )
        if membership is None:
            RoundMember.objects.create(
                round=review_round,
                user=user,
                administration=administration.strip(),
                sort_order=review_round.memberships.count(),
            )
        else:
            if membership.removed_at is not None:
                membership.removed_at = None
                membership.removed_by = None
                notes.append(_("remis dans le tour"))
            if administration.strip():
                membership.administration = administration.strip()
            membership.save()
        invitation = new_invitation(review_round, user, invited_by=invited_by)
    return invitation, notes


def new_invitation(review_round, user, *, invited_by):
    """A new invitation for ``user`` on ``review_round``; the older links stop working."""
    now = timezone.now()
    JuryInvitation.objects.filter(
        round=review_round, user=user, accepted_at=None, replaced_at=None
    ).update(replaced_at=now)
    return JuryInvitation.objects.create(
        round=review_round, user=user, email=user.email, invited_by=invited_by
    )


def enqueue_invitation(invitation):
    """Send after the commit; a failed enqueue leaves it « not sent », to send again."""
    try:
        send_invitation_task.enqueue(invitation.pk)
    except Exception:
        logger.exception("could not enqueue jury invitation %s", invitation.pk)


def invitation_message(invitation, url):
    review_round = invitation.round
    letterhead = Letterhead(review_round.call)
    return letterhead.message(
        _("Invitation : %(round)s") % {"round": review_round},
        [invitation.email],
        template="selection/emails/jury_invitation",
        context={
            "invitation": invitation,
            "review_round": review_round,
            "call": review_round.call,
            "url": letterhead.url(url),
            "has_password": invitation.user.has_usable_password(),
            "username": invitation.user.get_username(),
            "days": invitation_days(),
            "deadline": review_round.evaluation_deadline,
            "inviter": person_name(invitation.invited_by)
            if invitation.invited_by
            else "",
        },
    )


def send_invitation(invitation_id):
    """Issue the link of an invitation and email it; nothing if it was replaced or used."""
    with transaction.atomic():
        invitation = (
            JuryInvitation.objects.select_for_update(of=("self",))
            .select_related("round__call", "user", "invited_by")
            .filter(pk=invitation_id)
            .first()
        )
        if (
            invitation is None
            or invitation.replaced_at is not None
            or invitation.accepted_at is not None
        ):
            return None
        token = secrets.token_urlsafe(32)
        now = timezone.now()
        invitation.token_hash = hash_token(token)
        invitation.sent_at = now
        invitation.expires_at = now + timedelta(seconds=invitation_max_age())
        invitation.save(update_fields=["token_hash", "sent_at", "expires_at"])
        # Sent inside the transaction: an email that fails leaves no link
        # recorded as sent, and the worker tries again with a new one.
        message = invitation_message(
            invitation, reverse("jury_invitation", args=[token])
        )
        message.send()
    return message


@task()
def send_invitation_task(invitation_id):
    send_invitation(invitation_id)


class InvitationRefused(Exception):  # noqa: N818 - reads as what happened
    """Why a link opens nothing: « unknown », « replaced », « used », « expired »,
    « withdrawn » (no longer on the round)."""

    def __init__(self, kind):
        super().__init__(kind)
        self.kind = kind


def read_invitation(token, now=None):
    """The invitation this token opens; ``InvitationRefused`` otherwise."""
    now = now or timezone.now()
    invitation = (
        JuryInvitation.objects.select_related("round__call", "user")
        .filter(token_hash=hash_token(token or ""))
        .exclude(token_hash="")
        .first()
    )
    if invitation is None:
        raise InvitationRefused("unknown")
    if invitation.replaced_at is not None:
        raise InvitationRefused("replaced")
    if invitation.accepted_at is not None:
        raise InvitationRefused("used")
    if invitation.expires_at is None or invitation.expires_at <= now:
        raise InvitationRefused("expired")
    sits = RoundMember.objects.filter(
        round=invitation.round, user=invitation.user, removed_at=None
    ).exists()
    if not sits or not invitation.user.is_active:
        raise InvitationRefused("withdrawn")
    return invitation


def accept_invitation(invitation, now=None):
    """Mark it used, once: ``InvitationRefused("used")`` if it was already."""
    accepted = JuryInvitation.objects.filter(
        pk=invitation.pk, accepted_at=None, replaced_at=None
    ).update(accepted_at=now or timezone.now())
    if not accepted:  # opened at the same moment elsewhere
        raise InvitationRefused("used")


def accept_on_sign_in(user, now=None):
    """A person who signs in, however, has accepted the invitations still open to them."""
    now = now or timezone.now()
    JuryInvitation.objects.filter(
        user=user,
        accepted_at=None,
        replaced_at=None,
        sent_at__isnull=False,
        expires_at__gt=now,
    ).update(accepted_at=now)


def invitation_state(invitation, now=None):
    """One line for the team: where an invitation stands."""
    now = now or timezone.now()

    def day(moment):
        return formats.date_format(timezone.localtime(moment), "j F Y")

    if invitation is None:
        return _("aucune (ajouté par le formulaire du tour)")
    if invitation.accepted_at:
        return _("acceptée le %(date)s") % {"date": day(invitation.accepted_at)}
    if invitation.sent_at is None:
        return _("pas encore envoyée")
    if invitation.expires_at <= now:
        return _("expirée le %(date)s") % {"date": day(invitation.expires_at)}
    return _("envoyée le %(date)s, valable jusqu'au %(until)s") % {
        "date": day(invitation.sent_at),
        "until": day(invitation.expires_at),
    }
