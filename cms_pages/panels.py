"""Parts of a page that only the programme team edits.

The communications team writes the call and its form page, but what decides
where applicants' personal data goes (the team's notification addresses, the
questions asked, how long answers are kept) and how they are judged (the
selection criteria) belongs to the programme team, the people who read the
candidatures. For anyone else those parts are shown read-only, and the form
ignores them whatever is posted.
"""

from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import InlinePanel, Panel

# The programme team is who reads candidatures (see forms.permissions).
PROGRAMME_TEAM_PERMISSION = "forms.view_candidature"


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
        manager = getattr(self.instance, self.panel.relation_name)
        context["children"] = list(manager.all())
        return context


class ProgrammeTeamFormsetsMixin:
    """For a page form: leave out the inline lists its user may not edit.

    ``programme_team_formsets`` names them; single fields are left out by
    Wagtail itself (``FieldPanel(name, permission=PROGRAMME_TEAM_PERMISSION)``).
    """

    programme_team_formsets = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.for_user
        if user is not None and not user.has_perm(PROGRAMME_TEAM_PERMISSION):
            for name in self.programme_team_formsets:
                self.formsets.pop(name, None)


class ProgrammeTeamPageForm(ProgrammeTeamFormsetsMixin, WagtailAdminPageForm):
    pass
