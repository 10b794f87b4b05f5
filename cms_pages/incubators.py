"""One instance, several incubators: each is a Wagtail Site with its own teams.

``create_incubator`` adds one: its home and programme pages, its site, its
identity (name lines, theme, reference prefix…), its image collection and its
three groups, given the permissions of the instance's starting groups but only
on its own pages, collection and data.
"""

import re
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.models import (
    Collection,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Site,
)

from .models import (
    HomePage,
    ProgrammePage,
    SiteGroup,
    SiteIdentity,
    Theme,
    default_theme,
    only_site,
)

HOSTNAME = re.compile(
    r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*"
)

COMMUNICATION = "Communication"
PROGRAMME_TEAM = "Équipe programme"
JURY = "Jury"
STARTING_GROUPS = (COMMUNICATION, PROGRAMME_TEAM, JURY)


@dataclass
class Incubator:
    site: Site
    home: HomePage
    programme: ProgrammePage
    groups: dict


def _copy_rights(template, group, root_page, collection):
    """Give ``group`` what ``template`` may do, with pages and images under its own roots."""
    group.permissions.set(template.permissions.all())
    for permission in {
        gpp.permission for gpp in GroupPagePermission.objects.filter(group=template)
    }:
        GroupPagePermission.objects.get_or_create(
            group=group, page=root_page, permission=permission
        )
    for permission in {
        gcp.permission
        for gcp in GroupCollectionPermission.objects.filter(group=template)
    }:
        GroupCollectionPermission.objects.get_or_create(
            group=group, collection=collection, permission=permission
        )


def _taken_prefixes():
    """Every site's prefix, counting the default one of sites never configured."""
    taken = {
        p.upper()
        for p in SiteIdentity.objects.values_list("reference_prefix", flat=True)
    }
    if Site.objects.exclude(pk__in=SiteIdentity.objects.values("site_id")).exists():
        taken.add(SiteIdentity._meta.get_field("reference_prefix").default.upper())
    return taken


def _free_prefix(name):
    """Three letters from the name, made unique among the sites' reference prefixes."""
    letters = "".join(c for c in slugify(name).upper() if c.isalpha()) or "INC"
    taken = _taken_prefixes()
    candidate = letters[:3]
    for counter in range(2, 100):
        if candidate not in taken:
            return candidate
        candidate = f"{letters[:3]}{counter}"
    return candidate


def link_starting_groups(site):
    """The starting groups work on ``site`` unless already tied to another."""
    for group in Group.objects.filter(name__in=STARTING_GROUPS):
        SiteGroup.objects.get_or_create(group=group, defaults={"site": site})


def narrow_starting_groups(site):
    """Every group holding rights at the root works on ``site`` only.

    Until an instance has a second site, groups may hold rights at the root of
    the page tree and of the collections: the starting groups, Wagtail's own
    « Editors » and « Moderators », any group an administrator made. With two
    sites, that would let one incubator's team edit the other's pages and
    images. Their page rights move to the site's home; their collection
    rights, and the images and documents of the root collection, move to a
    collection of the site's own; they are tied to the site.
    """
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model

    tree_root = Page.get_first_root_node()
    root_collection = Collection.get_first_root_node()
    groups = list(
        Group.objects.filter(
            Q(name__in=STARTING_GROUPS)
            | Q(page_permissions__page=tree_root)
            | Q(collection_permissions__collection=root_collection)
        ).distinct()
    )
    for group in groups:
        SiteGroup.objects.get_or_create(group=group, defaults={"site": site})
    for gpp in GroupPagePermission.objects.filter(group__in=groups, page=tree_root):
        GroupPagePermission.objects.get_or_create(
            group=gpp.group, page=site.root_page, permission=gpp.permission
        )
        gpp.delete()
    held_at_root = GroupCollectionPermission.objects.filter(
        group__in=groups, collection=root_collection
    )
    if held_at_root.exists():
        name = site.site_name or site.hostname
        collection = root_collection.get_children().filter(
            name=name
        ).first() or root_collection.add_child(name=name)
        for gcp in held_at_root:
            GroupCollectionPermission.objects.get_or_create(
                group=gcp.group, collection=collection, permission=gcp.permission
            )
            gcp.delete()
        for model in (get_image_model(), get_document_model()):
            model.objects.filter(collection=root_collection).update(
                collection=collection
            )
    link_starting_groups(site)


@transaction.atomic
def create_incubator(
    name,
    hostname,
    *,
    port=80,
    name_lines="",
    reference_prefix="",
    theme="",
    contact_email="",
    slug="",
):
    """Add a site for one incubator; all or nothing."""
    name = name.strip()
    hostname = hostname.strip().lower()
    if not name:
        raise ValidationError(_("Donnez le nom de l'incubateur."))
    if not HOSTNAME.fullmatch(hostname):
        raise ValidationError(
            _(
                "« %(host)s » n'est pas un nom d'hôte : donnez-le sans « http:// » ni "
                "« / », par exemple incubateur.example.org."
            )
            % {"host": hostname}
        )
    theme = theme or default_theme()
    reference_prefix = (reference_prefix or _free_prefix(name)).upper()
    if reference_prefix in _taken_prefixes():
        raise ValidationError(
            _(
                "Le préfixe de références « %(prefix)s » est déjà pris par un autre site."
            )
            % {"prefix": reference_prefix}
        )

    if Site.objects.filter(hostname=hostname, port=port).exists():
        raise ValidationError(
            _("Un site répond déjà à %(host)s:%(port)s.")
            % {"host": hostname, "port": port}
        )
    if theme not in Theme.values:
        raise ValidationError(
            _("Thème inconnu « %(theme)s » : choisissez parmi %(choices)s.")
            % {"theme": theme, "choices": ", ".join(Theme.values)}
        )
    for group_name in STARTING_GROUPS:
        if Group.objects.filter(name=f"{group_name} — {name}").exists():
            raise ValidationError(
                _("Le groupe « %(group)s » existe déjà : choisissez un autre nom.")
                % {"group": f"{group_name} — {name}"}
            )

    default_site = only_site()
    if default_site is not None:
        narrow_starting_groups(default_site)

    tree_root = Page.get_first_root_node()
    slug = slug or slugify(name)[:50] or "incubateur"
    if tree_root.get_children().filter(slug=slug).exists():
        raise ValidationError(
            _("Une page d'accueil « %(slug)s » existe déjà : donnez un autre --slug.")
            % {"slug": slug}
        )
    home = tree_root.add_child(instance=HomePage(title=name, slug=slug))
    home.save_revision().publish()
    programme = home.add_child(
        instance=ProgrammePage(
            title=_("Le programme"), slug="programme", show_in_menus=True
        )
    )
    programme.save_revision().publish()

    site = Site.objects.create(
        hostname=hostname,
        port=port,
        root_page=home,
        site_name=name,
        is_default_site=not Site.objects.exists(),
    )
    identity = SiteIdentity.for_site(site)
    identity.service_title = name
    identity.theme = theme
    if name_lines:
        identity.name_lines = name_lines.replace("\\n", "\n")
    elif theme == Theme.NEUTRAL:  # not the State's brand: the authority's own name
        identity.name_lines = name
    identity.reference_prefix = reference_prefix
    identity.contact_email = contact_email
    identity.full_clean(exclude=["site"])
    identity.save()

    collection = Collection.get_first_root_node().add_child(name=name)
    groups = {}
    for group_name in STARTING_GROUPS:
        group = Group.objects.create(name=f"{group_name} — {name}")
        template = Group.objects.filter(name=group_name).first()
        if template is not None:
            _copy_rights(template, group, home, collection)
        SiteGroup.objects.create(group=group, site=site)
        groups[group_name] = group
    return Incubator(site=site, home=home, programme=programme, groups=groups)
