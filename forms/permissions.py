"""Who may read which candidature.

The programme team reads the candidatures of the calls under its sites
(``cms_pages.sites``). Others may be allowed to read one (a juror, a dossier of
their round): the apps that know why register a reader in
``CANDIDATURE_READERS``, a function of (user, candidature) answering True.
Superusers read every site. Nobody else reads any.
"""

from cms_pages.models import CallPage
from cms_pages.sites import active, programme_scope, register_scoped_model

from .models.candidatures import Candidature

CANDIDATURE_READERS = []


def calls_for(user):
    """The calls whose candidatures this user reads."""
    return CallPage.objects.filter(programme_scope(user, "path"))


def candidatures_for(user):
    return Candidature.objects.filter(programme_scope(user))


def can_view_candidature(user, candidature):
    if candidatures_for(user).filter(pk=candidature.pk).exists():
        return True
    if not active(user):
        return False
    return any(reader(user, candidature) for reader in CANDIDATURE_READERS)


register_scoped_model(Candidature, candidatures_for)
