"""Parts of a page that only the programme team edits.

The communications team writes the call and its form page, but what decides
where applicants' personal data goes (the team's notification addresses, the
questions asked, how long answers are kept) and how they are judged (the
selection criteria) belongs to the programme team, the people who read the
candidatures. For anyone else those parts are shown read-only, and the form
ignores them whatever is posted.
"""

from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, InlinePanel, Panel

from .sites import PROGRAMME_TEAM_PERMISSION

READ_ONLY = _("Réservé à l'équipe programme : vous pouvez le lire, pas le modifier.")


class ProgrammeTeamFieldPanel(FieldPanel):
    """A field only the programme team edits; others read its value.

    Wagtail leaves the field out of their form (``permission``); its own
    panel would then hide it, this one shows it read-only.
    """

    def __init__(self, field_name, **kwargs):
        kwargs.setdefault("permission", PROGRAMME_TEAM_PERMISSION)
        super().__init__(field_name, **kwargs)

    class BoundPanel(FieldPanel.BoundPanel):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            if self.form is not None and self.bound_field is None:
                self.read_only = True
                self.heading = self.panel.heading or capfirst(
                    self.panel.db_field.verbose_name
                )
                self.help_text = READ_ONLY

        def is_shown(self):
            return self.read_only or super().is_shown()


class ProgrammeTeamInlinePanel(InlinePanel):
    """An inline list (criteria, form fields) only the programme team edits; others read it."""

    def get_bound_panel(self, instance=None, request=None, form=None, prefix="panel"):
        if form is not None and self.relation_name not in form.formsets:
            return ReadOnlyChildren(
                panel=self, instance=instance, request=request, form=form, prefix=prefix
            )
        return super().get_bound_panel(instance, request, form, prefix)


class ReadOnlyChildren(Panel.BoundPanel):
    template_name = "cms_pages/panels/read_only_children.html"

    def get_context_data(self, parent_context=None):
        context = super().get_context_data(parent_context)
        relation = self.panel.relation_name
        children = getattr(self.instance, relation).all()
        # « Ampleur du problème — × 2, de 0 à 5 » when the child says more than its name.
        context["children"] = [getattr(child, "display", child) for child in children]
        context["reason"] = getattr(self.form, "read_only_reasons", {}).get(
            relation, READ_ONLY
        )
        return context


def is_programme_team_member(user):
    return user is not None and user.has_perm(PROGRAMME_TEAM_PERMISSION)


def programme_team_parts(page):
    """(fields, inline lists) of ``page`` that only the programme team changes."""
    form_class = getattr(type(page), "base_form_class", None)
    return (
        getattr(form_class, "programme_team_fields", ()),
        getattr(form_class, "programme_team_formsets", ()),
    )


def _comparable(page):
    fields, relations = programme_team_parts(page)
    children = {}
    for relation in relations:
        rows = []
        for child in getattr(page, relation).all():
            rows.append(
                {
                    field.attname: getattr(child, field.attname)
                    for field in child._meta.concrete_fields
                    if not field.primary_key
                    and not field.is_relation
                    and field.name != "sort_order"
                }
            )
        children[relation] = rows
    return {name: getattr(page, name) for name in fields}, children


def programme_team_parts_differ(page, other):
    """Whether two versions of a page differ in what only the programme team changes."""
    return _comparable(page) != _comparable(other)


def keep_programme_team_parts(page):
    """Give ``page`` its latest version's programme-team parts (fields, inline lists).

    An editor outside the programme team who reverts to an old revision gets
    the rest of that revision; those parts stay as they are.
    """
    if page.pk is None:
        return
    latest = type(page).objects.get(pk=page.pk).get_latest_revision_as_object()
    fields, relations = programme_team_parts(page)
    for name in fields:
        setattr(page, name, getattr(latest, name))
    for relation in relations:
        setattr(page, relation, list(getattr(latest, relation).all()))


class ProgrammeTeamFormsetsMixin:
    """For a page form: leave out what its user may not edit, and keep it as it is.

    ``programme_team_formsets`` names the inline lists; ``programme_team_fields``
    the single fields, which Wagtail leaves out itself (``FieldPanel(name,
    permission=PROGRAMME_TEAM_PERMISSION)``). Their values come from the page's
    latest version, even when the form starts from an older revision.
    """

    programme_team_formsets = ()
    programme_team_fields = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.for_user is not None and not is_programme_team_member(self.for_user):
            for name in self.programme_team_formsets:
                self.formsets.pop(name, None)
            keep_programme_team_parts(self.instance)


class ProgrammeTeamPageForm(ProgrammeTeamFormsetsMixin, WagtailAdminPageForm):
    pass
