"""Data migrations giving existing rows a site (historical models only)."""


def assign_sites(apps, app_label, model_name):
    """Each row belongs to its call's site; rows without a call to the default site."""
    Site = apps.get_model("wagtailcore", "Site")
    model = apps.get_model(app_label, model_name)
    sites = list(Site.objects.select_related("root_page").order_by("-is_default_site"))
    if not sites:
        return
    for row in model.objects.select_related("call"):
        site = sites[0]
        if row.call_id:
            site = next(
                (s for s in sites if row.call.path.startswith(s.root_page.path)), site
            )
        row.site = site
        row.save(update_fields=["site"])
