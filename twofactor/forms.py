from django import forms
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code de vérification"),
        max_length=32,
        help_text=_(
            "Les 6 chiffres affichés par votre application d'authentification, "
            "ou l'un de vos codes de secours."
        ),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autofocus": True,
                "spellcheck": "false",
            }
        ),
    )


class EnrolmentForm(forms.Form):
    code = forms.CharField(
        label=_("Code à 6 chiffres affiché par l'application"),
        max_length=16,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
            }
        ),
    )


class KeptCodesForm(forms.Form):
    kept = forms.BooleanField(
        label=_("J'ai conservé mes codes de secours en lieu sûr."),
        error_messages={
            "required": _(
                "Cochez cette case une fois vos codes de secours téléchargés, imprimés ou notés."
            )
        },
    )


class NoFieldsForm(forms.Form):
    """The account panel's form: Wagtail's account page asks each panel for one."""

    def __init__(self, *args, instance=None, **kwargs):
        super().__init__(*args, **kwargs)

    def save(self):
        return None
