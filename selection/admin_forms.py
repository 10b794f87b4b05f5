"""Admin forms of the programme team: choices stop at the team's own sites."""

from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from cms_pages.sites import programme_sites
from core.scoping import ScopedAdminModelForm, limit_site_choices
from forms.permissions import calls_for

from .members import has_evaluations, removal_date
from .permissions import site_users


def member_label(user):
    return user.get_full_name() or user.get_username()


def call_label(call):
    """« Appel 2026 — novembre 2026 — ouvert »: a call told apart from its siblings."""
    return _("%(title)s — %(season)s — %(status)s") % {
        "title": call.title,
        "season": formats.date_format(timezone.localtime(call.opens_at), "F Y"),
        "status": str(call.status.label).lower(),
    }


def past_deadline_error(value, today=None):
    """Why a deadline cannot be set to ``value``, or None."""
    today = today or timezone.localdate()
    if value is not None and value < today:
        return _(
            "La date limite des évaluations ne peut pas être dans le passé "
            "(aujourd'hui : %(today)s)."
        ) % {"today": formats.date_format(today, "d/m/Y")}
    return None


class ReviewRoundForm(ScopedAdminModelForm):
    def _current_members_only(self):
        """The members' formset lists who sits on the round now, not those removed.

        The removed ones stay in the round (the cluster keeps the rows it
        does not list), with their evaluations.
        """
        formset_class = self.__class__.formsets.get("memberships")
        if formset_class is None or self.instance.pk is None:
            return
        old = self.formsets["memberships"]
        self.formsets["memberships"] = formset_class(
            self.data if self.is_bound else None,
            self.files if self.is_bound else None,
            instance=self.instance,
            prefix=old.prefix,
            queryset=self.instance.memberships.filter(removed_at=None),
            form_kwargs=old.form_kwargs,
        )

    def limit_choices(self, user):
        self._current_members_only()
        field = self.fields["call"]
        field.queryset = calls_for(user).order_by("-opens_at", "title")
        field.label_from_instance = call_label
        field.empty_label = _("Choisissez l'appel")
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

    def clean_evaluation_deadline(self):
        value = self.cleaned_data.get("evaluation_deadline")
        if "evaluation_deadline" in self.changed_data:
            error = past_deadline_error(value)
            if error:
                raise ValidationError(error, code="past")
        return value

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
        if formset is None:
            return cleaned_data
        formset.is_valid()  # the members' forms, cleaned before they are read here
        removed = {}
        if self.instance.pk:
            removed = {
                m.user_id: m for m in self.instance.memberships.exclude(removed_at=None)
            }
        allowed = None
        if call is not None:
            site = call.get_site()
            allowed = set(
                site_users([site] if site else []).values_list("pk", flat=True)
            )
        for form in formset.forms:
            user = getattr(form, "cleaned_data", {}).get("user")
            if user is None or form.cleaned_data.get("DELETE"):
                continue
            if form.instance.pk is None and user.pk in removed:
                form.add_error(
                    "user",
                    ValidationError(
                        _(
                            "%(user)s a été retiré de ce tour le %(date)s. Pour le "
                            "réintégrer, invitez-le de nouveau depuis « Membres et "
                            "avancement »."
                        ),
                        params={
                            "user": member_label(user),
                            "date": removal_date(removed[user.pk]),
                        },
                    ),
                )
            elif allowed is not None and user.pk not in allowed:
                form.add_error(
                    "user",
                    ValidationError(
                        _(
                            "%(user)s n'est ni dans le jury ni dans l'équipe programme "
                            "du site de cet appel : ajoutez cette personne d'abord au "
                            "groupe Jury du site."
                        ),
                        params={"user": member_label(user)},
                    ),
                )
        return cleaned_data

    def save(self, commit=True):
        """A member deleted from the list who evaluated here is removed, not deleted."""
        formset = self.formsets.get("memberships")
        if formset is not None:
            now = timezone.now()
            softened = False
            for form in formset.initial_forms:
                membership = form.instance
                if (
                    membership.pk
                    and formset._should_delete_form(form)
                    and has_evaluations(membership)
                ):
                    form.cleaned_data["DELETE"] = False
                    membership.removed_at = now
                    membership.removed_by = self.for_user
                    softened = True
            if softened:  # the deleted forms were listed when the formset was cleaned
                formset.__dict__.pop("_deleted_form_indexes", None)
        return super().save(commit=commit)


class NotificationTemplateForm(ScopedAdminModelForm):
    def limit_choices(self, user):
        self.fields["call"].queryset = calls_for(user).order_by("-opens_at")
        limit_site_choices(self.fields["site"], programme_sites(user))
