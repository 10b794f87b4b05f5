"""Who may read which candidature.

The programme team reads the candidatures of the calls under its sites
(``cms_pages.sites``). Others may be allowed to read one (a juror, a dossier of
their round): the apps that know why register a reader in
``CANDIDATURE_READERS``, a function of (user, candidature) answering True.
Superusers read every site. Nobody else reads any.

The name under which a reader sees a candidature's file may differ too (a
member of a blind round reads it masked): the apps that know it register a
function of (user, attachment) in ``ATTACHMENT_NAMERS``, answering the name
that user sees, or None. The programme team always reads the real name.
"""

from cms_pages.models import CallPage
from cms_pages.sites import active, programme_scope, register_scoped_model

from .models.candidatures import Candidature

CANDIDATURE_READERS = []
ATTACHMENT_NAMERS = []


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


def file_name_for(user, attachment):
    """The name ``user`` sees for a candidature's file (a download's name, the page
    that refuses it): the real one for the programme team of its site, else the
    first a registered namer gives, else the real one."""
    if candidatures_for(user).filter(pk=attachment.candidature_id).exists():
        return attachment.original_name
    for namer in ATTACHMENT_NAMERS:
        name = namer(user, attachment)
        if name is not None:
            return name
    return attachment.original_name


register_scoped_model(Candidature, candidatures_for)
