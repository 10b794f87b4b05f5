from django import forms
from django.utils.translation import gettext_lazy as _

from cms_pages.sites import programme_sites
from core.scoping import ScopedAdminModelForm, limit_site_choices

from .models import SUBSCRIBABLE
from .targets import TargetRefused, allow_private, resolve, resolve_timeout


class EndpointForm(ScopedAdminModelForm):
    events = forms.MultipleChoiceField(
        label=_("Événements"),
        choices=SUBSCRIBABLE,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "Ceux que cette adresse reçoit. L'événement de test lui parvient toujours."
        ),
    )

    def limit_choices(self, user):
        limit_site_choices(self.fields["site"], programme_sites(user))

    def clean_url(self):
        url = self.cleaned_data["url"]
        if url and not allow_private():
            try:
                resolve(url)
            except TargetRefused as refused:
                raise forms.ValidationError(str(refused)) from None
            except TimeoutError:
                raise forms.ValidationError(
                    _(
                        "Le nom de cette adresse n'a pas pu être vérifié : le serveur "
                        "DNS n'a pas répondu en %(seconds)s secondes. Réessayez dans "
                        "un moment ; si cela se répète, vérifiez l'adresse."
                    ),
                    code="dns_timeout",
                    params={"seconds": f"{resolve_timeout():g}".replace(".", ",")},
                ) from None
        return url
