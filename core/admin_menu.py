"""Admin menu entries shown only to those who may use them."""

from wagtail.admin.menu import MenuItem


class PermissionMenuItem(MenuItem):
    """A menu item shown when ``is_allowed(user)`` is true (a permission name or a callable)."""

    def __init__(self, label, url, *, allowed, **kwargs):
        super().__init__(label, url, **kwargs)
        self.allowed = allowed

    def is_shown(self, request):
        if callable(self.allowed):
            return self.allowed(request.user)
        return request.user.has_perm(self.allowed)
