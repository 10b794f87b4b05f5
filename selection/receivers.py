"""Signing in, however it is done (a password, later an identity provider), accepts
the jury invitations still open to the person."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .invitations import accept_on_sign_in


@receiver(user_logged_in, dispatch_uid="selection.accept_invitations_on_sign_in")
def accept_invitations(sender, user, **kwargs):
    accept_on_sign_in(user)
