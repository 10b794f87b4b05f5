"""Signing in, however it is done (a password, later an identity provider), accepts
the jury invitations still open to the person."""

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import pre_save
from django.dispatch import receiver

from .invitations import accept_on_sign_in
from .ranking_models import RoundScores


@receiver(user_logged_in, dispatch_uid="selection.accept_invitations_on_sign_in")
def accept_invitations(sender, user, **kwargs):
    accept_on_sign_in(user)


@receiver(pre_save, sender=RoundScores, dispatch_uid="selection.loaded_scores_stale")
def loaded_ranking_is_stale(sender, instance, raw=False, **kwargs):
    """A round's version loaded from a dump (``loaddata``) never says its kept
    ranking is current: the dump's tables were not read at one moment."""
    if raw:
        instance.ranked_version = None
