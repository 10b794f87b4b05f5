"""« Dupliquer pour une nouvelle session »: the programme team's form for ``clone_call``."""

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.actions.copy_page import CopyPagePermissionError

from core.views import AdminPage

from .cloning import clone_call, free_slug, next_title, shift
from .models import CallPage, ProgrammePage
from .sites import is_programme_team, programme_sites, under_sites

# The call's own dates, in the order the page shows them, for the preview.
CALL_DATES = (
    "opens_at",
    "closes_at",
    "preselection_date",
    "selection_date",
    "investigations_start",
)


def shown(value):
    """A date, or a date and time in Paris, as the admin writes them."""
    if isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    return formats.date_format(value, "DATE_FORMAT")


def programme_pages_for(user):
    """The programme pages of the user's sites under which they may add a call."""
    pages = (
        ProgrammePage.objects.filter(under_sites(programme_sites(user), "path"))
        .order_by("path")
        .specific()
    )
    return [
        page
        for page in pages
        if page.permissions_for_user(user).can_add_subpage()
        and CallPage in page.specific_class.allowed_subpage_models()
    ]


class ProgrammePageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        site = obj.get_site()
        return f"{site.site_name or site.hostname} — {obj.title}" if site else obj.title


class CloneCallForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Titre du nouvel appel"), max_length=255)
    slug = forms.SlugField(
        label=gettext_lazy("Slug"),
        max_length=255,
        required=False,
        allow_unicode=True,
        help_text=gettext_lazy(
            "Le segment de son adresse. Vide : tiré du titre, et rendu unique."
        ),
    )
    destination = ProgrammePageChoiceField(
        label=gettext_lazy("Sous la page programme"),
        queryset=ProgrammePage.objects.none(),
        empty_label=None,
        help_text=gettext_lazy(
            "Celles des sites où vous êtes dans l'équipe programme et pouvez ajouter un appel."
        ),
    )
    months = forms.IntegerField(
        label=gettext_lazy("Décaler les dates de (mois)"),
        initial=12,
        min_value=-120,
        max_value=120,
    )
    days = forms.IntegerField(
        label=gettext_lazy("et de (jours)"),
        initial=0,
        min_value=-366,
        max_value=366,
    )

    def __init__(self, *args, destinations=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["destination"]
        field.queryset = ProgrammePage.objects.filter(
            pk__in=[p.pk for p in destinations]
        )
        field.choices = [(p.pk, field.label_from_instance(p)) for p in destinations]

    def clean(self):
        cleaned_data = super().clean()
        destination, slug = cleaned_data.get("destination"), cleaned_data.get("slug")
        taken = (
            destination is not None
            and slug
            and destination.get_children().filter(slug=slug).exists()
        )
        if taken:
            self.add_error(
                "slug",
                _(
                    "Une page porte déjà ce slug sous « %(page)s » : choisissez-en un autre."
                )
                % {"page": destination.title},
            )
        return cleaned_data


class CloneCallView(AdminPage):
    """The call's new title, place and interval; a preview of its dates; then the copy."""

    template_name = "cms_pages/admin/clone_call.html"
    header_icon = "copy"

    def dispatch(self, request, *args, **kwargs):
        self.call = get_object_or_404(
            CallPage.objects.filter(under_sites(programme_sites(request.user), "path")),
            pk=kwargs["pk"],
        )
        if not is_programme_team(request.user, self.call.get_site()):
            raise PermissionDenied
        self.destinations = programme_pages_for(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Dupliquer pour une nouvelle session")

    def get_page_subtitle(self):
        return self.call.title

    def form(self, data=None):
        parent = self.call.get_parent()
        initial = {
            "title": next_title(self.call.title, 12),
            "destination": parent.pk
            if any(p.pk == parent.pk for p in self.destinations)
            else None,
            "months": 12,
            "days": 0,
        }
        return CloneCallForm(data, initial=initial, destinations=self.destinations)

    def preview(self, form):
        """(label, before, after) of each of the call's dates, for the shift asked."""
        if form.is_bound and not form.is_valid():
            return []
        values = form.cleaned_data if form.is_bound else form.initial
        months, days = values.get("months") or 0, values.get("days") or 0
        rows = []
        for name in CALL_DATES:
            before = getattr(self.call, name)
            if before is None:
                continue
            rows.append(
                (
                    CallPage._meta.get_field(name).verbose_name,
                    before,
                    shift(before, months, days),
                )
            )
        return rows

    def get_context_data(self, **kwargs):
        form = kwargs.pop("form", None) or self.form()
        rows = self.preview(form)
        opens_after = (
            rows[0][2] if rows else None
        )  # the opening comes first, always set
        return super().get_context_data(
            form=form,
            rows=rows,
            opens_in_past=opens_after is not None and opens_after < timezone.now(),
            call=self.call,
            children=self.call.get_descendants().specific(),
            criteria=self.call.criteria.all(),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        form = self.form(request.POST)
        if "preview" in request.POST or not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        data = form.cleaned_data
        destination = data["destination"]
        try:
            copy = clone_call(
                self.call,
                to=destination,
                title=data["title"],
                slug=data["slug"] or free_slug(destination, data["title"]),
                months=data["months"],
                days=data["days"],
                user=request.user,
            )
        except CopyPagePermissionError:
            form.add_error(
                "destination",
                _(
                    "Vous ne pouvez pas ajouter d'appel sous cette page : rien n'a été copié."
                ),
            )
            return self.render_to_response(self.get_context_data(form=form))
        except ValidationError:  # the slug was taken meanwhile (two copies at once)
            form.add_error(
                "slug",
                _(
                    "Ce slug vient d'être pris sous cette page : rien n'a été copié, réessayez."
                ),
            )
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(
            request,
            _(
                "« %(title)s » est créé en brouillon, avec son formulaire, ses critères et "
                "sa FAQ, dates décalées. Relisez-le, puis publiez-le."
            )
            % {"title": copy.title},
        )
        return redirect(reverse("wagtailadmin_pages:edit", args=[copy.pk]))
