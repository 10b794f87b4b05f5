"""Who may read candidatures. Later issues add the jury's per-round rights."""


def can_view_candidature(user, candidature):
    return bool(user and user.is_active and user.has_perm("forms.view_candidature"))


def can_change_candidature(user, candidature):
    return bool(user and user.is_active and user.has_perm("forms.change_candidature"))
