"""Admin forms of the programme team: choices stop at the team's own sites."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cms_pages.sites import programme_sites
from core.scoping import ScopedAdminModelForm, limit_site_choices
from forms.permissions import calls_for

from .permissions import site_users


def member_label(user):
    return user.get_full_name() or user.get_username()


class ReviewRoundForm(ScopedAdminModelForm):
    def limit_choices(self, user):
        self.fields["call"].queryset = calls_for(user).order_by("-opens_at")
        people = site_users(programme_sites(user)).order_by("last_name", "first_name")
        formset = self.formsets.get("memberships")
        if formset is not None:
            member_form = formset.form

            class SiteMemberForm(member_form):
                def __init__(self, *args, **kwargs):
                    super().__init__(*args, **kwargs)
                    self.fields["user"].queryset = people
                    self.fields["user"].label_from_instance = member_label

            formset.form = SiteMemberForm  # the empty form (« Ajouter ») is built later
            for form in formset.forms:
                form.fields["user"].queryset = people
                form.fields["user"].label_from_instance = member_label

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk and self.instance.evaluations.exists():
            # The evaluations were given for this call's dossiers at this stage.
            for name in ("call", "kind"):
                if name in self.changed_data:
                    self.add_error(
                        name,
                        _(
                            "Ce tour a déjà des évaluations : son appel et son étape "
                            "ne changent plus."
                        ),
                    )
        call = cleaned_data.get("call")
        formset = self.formsets.get("memberships")
        if call is None or formset is None:
            return cleaned_data
        site = call.get_site()
        allowed = set(site_users([site] if site else []).values_list("pk", flat=True))
        for form in formset.forms:
            user = (
                form.cleaned_data.get("user") if hasattr(form, "cleaned_data") else None
            )
            if user is None or form.cleaned_data.get("DELETE"):
                continue
            if user.pk not in allowed:
                form.add_error(
                    "user",
                    ValidationError(
                        _(
                            "%(user)s n'est ni dans le jury ni dans l'équipe programme "
                            "du site de cet appel : ajoutez cette personne d'abord au "
                            "groupe Jury du site."
                        ),
                        params={"user": user.get_full_name() or user.get_username()},
                    ),
                )
        return cleaned_data


class NotificationTemplateForm(ScopedAdminModelForm):
    def limit_choices(self, user):
        self.fields["call"].queryset = calls_for(user).order_by("-opens_at")
        limit_site_choices(self.fields["site"], programme_sites(user))
