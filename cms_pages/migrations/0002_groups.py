"""The three groups every Amorce instance starts with.

``Communication`` edits and publishes pages, and uploads the images and
documents they use: nothing else (no candidature, no setting, no snippet).
``Équipe programme`` and ``Jury`` get admin access here; the apps that hold
candidatures, rounds and investigations give them their rights.
"""

from django.db import migrations

COMMUNICATION = "Communication"
PROGRAMME_TEAM = "Équipe programme"
JURY = "Jury"

PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"]
COLLECTION_PERMISSIONS = {
    ("wagtailimages", "image"): ["add_image", "change_image", "choose_image"],
    ("wagtaildocs", "document"): ["add_document", "change_document", "choose_document"],
}


def permission(apps, app_label, model, codename, name):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
    perm, _ = Permission.objects.get_or_create(
        content_type=content_type, codename=codename, defaults={"name": name}
    )
    return perm


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Page = apps.get_model("wagtailcore", "Page")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")

    access_admin = permission(apps, "wagtailadmin", "admin", "access_admin", "Can access Wagtail admin")

    for name in (COMMUNICATION, PROGRAMME_TEAM, JURY):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(access_admin)

    communication = Group.objects.get(name=COMMUNICATION)
    root_page = Page.objects.filter(depth=1).first()
    if root_page is not None:
        for codename in PAGE_PERMISSIONS:
            perm = permission(apps, "wagtailcore", "page", codename, codename.replace("_", " "))
            GroupPagePermission.objects.get_or_create(
                group=communication, page=root_page, permission=perm
            )
    root_collection = Collection.objects.filter(depth=1).first()
    if root_collection is not None:
        for (app_label, model), codenames in COLLECTION_PERMISSIONS.items():
            for codename in codenames:
                perm = permission(apps, app_label, model, codename, codename.replace("_", " "))
                GroupCollectionPermission.objects.get_or_create(
                    group=communication, collection=root_collection, permission=perm
                )


def remove_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name__in=[COMMUNICATION, PROGRAMME_TEAM, JURY]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cms_pages", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
