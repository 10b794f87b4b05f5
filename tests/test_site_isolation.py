"""Two incubators on one instance: neither team reaches the other's dossiers.

Site A is the default site (the starting groups); site B is added by
``create_incubator``. Every role of each site asks for every view, API route,
export and file of the other site's data, and is refused without a byte of it;
the same role reaches its own (so the matrix can fail).
"""

import io
import re
import uuid

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import Collection, Site

from cms_pages.models import SiteIdentity
from forms.factories import CandidatureFactory, CandidatureFormPageFactory
from forms.models import CandidatureAttachment
from forms.services import change_status
from investigations.models import CalendarFeed, Investigation, Organisation
from investigations.services import start_investigation
from selection.models import NotificationTemplate, ReviewRound, RoundMember
from tests.incubators import B_HOST, add_second_incubator
from tests.users import member_of


def build_side(call, form_page, juror, label):
    """A candidature with a file, a round with ``juror``, a template and an investigation."""
    candidature = CandidatureFactory(
        page=form_page,
        status="received",
        applicant_name=f"Personne {label}",
        applicant_email=f"personne.{label.lower()}@example.org",
        reference=f"{label}-2026-0001",
    )
    change_status(candidature, "eligible")  # leaves an entry in Wagtail's history
    CandidatureAttachment.objects.create(
        candidature=candidature,
        field_name="pieces",
        file=ContentFile(b"%PDF-1.4 secret " + label.encode(), name=f"{label}.pdf"),
        original_name=f"piece-{label}.pdf",
        content_type="application/pdf",
        size=20,
        sha256="0" * 64,
        scan_state="clean",  # made here, not sent: not waiting for the antivirus
    )
    review_round = ReviewRound.objects.create(call=call, kind="preselection")
    RoundMember.objects.create(round=review_round, user=juror)
    review_round.candidatures.add(candidature)
    template = NotificationTemplate.objects.create(
        call=call, status="not_preselected", subject=f"Objet {label}", body="Bonjour"
    )
    investigation = Investigation.objects.create(
        call=call,
        candidature=None,
        title=f"Investigation {label}",
        problem_statement=f"Problème confidentiel {label}",
        starts_on=timezone.localdate(),
        final_committee_on=timezone.localdate(),  # a date on the calendar and feed
        learnings=f"Enseignement {label}",
        publish_learnings=True,
        pitch=f"Une phrase {label}",
        contact_email=f"contact-{label.lower()}@example.org",
    )
    start_investigation(investigation)  # its first phase, for the beta.gouv.fr fiche
    organisation = Organisation.objects.create(
        site=call.get_site(),
        name=f"Administration {label}",
        beta_gouv_id=f"administration-{label.lower()}",
    )
    investigation.organisations.add(organisation)
    identity = SiteIdentity.for_site(call.get_site())
    identity.beta_gouv_incubator_id = f"incubateur-{label.lower()}"
    identity.save()
    return {
        "candidature": candidature,
        "attachment": candidature.attachments.get(),
        "round": review_round,
        "template": template,
        "investigation": investigation,
        "call": call,
        "form_page": form_page,
        "secret": candidature.applicant_name,
        "problem": investigation.problem_statement,
        "organisation": organisation,
    }


@pytest.fixture
def sides(site, call, form_page):
    juror_a = member_of("Jury", "jury_a")
    a = build_side(call, form_page, juror_a, "AAA")
    site_b, call_b = add_second_incubator()
    form_b = CandidatureFormPageFactory(
        parent=call_b,
        slug="candidater",
        fields=[{"label": "Le problème", "field_type": "multiline"}],
    )
    juror_b = member_of("Jury — Fabrique de la Mer", "jury_b")
    b = build_side(call_b, form_b, juror_b, "BBB")
    people = {
        ("A", "programme"): member_of("Équipe programme", "prog_a"),
        ("A", "jury"): juror_a,
        ("A", "communication"): member_of("Communication", "comm_a"),
        ("B", "programme"): member_of(
            "Équipe programme — Fabrique de la Mer", "prog_b"
        ),
        ("B", "jury"): juror_b,
        ("B", "communication"): member_of(
            "Communication — Fabrique de la Mer", "comm_b"
        ),
    }
    return {"A": a, "B": b, "people": people, "site_b": site_b}


def urls_of(side):
    c, r, i = side["candidature"], side["round"], side["investigation"]
    return [
        f"/admin/candidatures/inspect/{c.pk}/",
        f"/admin/candidatures/edit/{c.pk}/",
        side["attachment"].get_absolute_url(),
        f"/admin/exports/dossiers/{c.pk}/pdf/",
        f"/admin/tours/edit/{r.pk}/",
        f"/admin/tours/{r.pk}/classement/",
        f"/admin/tours/{r.pk}/membres/",
        f"/admin/exports/tours/{r.pk}/ranking/?format=xlsx",
        f"/admin/exports/tours/{r.pk}/evaluations/?format=csv",
        f"/admin/exports/tours/{r.pk}/cahier-du-jury/",
        f"/admin/exports/tours/{r.pk}/cahier-du-jury/?pieces=1",
        f"/admin/exports/tours/{r.pk}/pieces-jointes/",
        f"/admin/exports/pieces-jointes/?call={side['call'].pk}",
        f"/admin/exports/tours/{r.pk}/importer-des-evaluations/",
        f"/admin/jury/{r.pk}/",
        f"/admin/jury/{r.pk}/{c.pk}/",
        f"/admin/jury/{r.pk}/classement/",
        f"/admin/modeles-de-courriel/edit/{side['template'].pk}/",
        f"/admin/modeles-de-courriel/{side['template'].pk}/apercu/",
        f"/admin/courriels-de-decision/?call={side['call'].pk}",
        f"/admin/snippets/investigations/investigation/edit/{i.pk}/",
        f"/admin/snippets/investigations/investigation/inspect/{i.pk}/",
        f"/admin/investigations/{i.pk}/synthese.pdf",
        f"/admin/investigations/{i.pk}/beta-gouv.md",
        f"/admin/investigations/{i.pk}/comite-final/",
        f"/admin/investigations/{i.pk}/comite-d-investissement/",
        f"/admin/investigations/laureats/{side['call'].pk}/",
        f"/admin/snippets/investigations/organisation/edit/{side['organisation'].pk}/",
        f"/admin/snippets/investigations/organisation/delete/{side['organisation'].pk}/",
    ]


LISTINGS = [
    "/admin/",
    "/admin/candidatures/",
    "/admin/candidatures/?q=Personne",
    "/admin/tours/",
    "/admin/modeles-de-courriel/",
    "/admin/courriels-de-decision/",
    "/admin/jury/",
    "/admin/snippets/investigations/investigation/",
    "/admin/snippets/investigations/organisation/",
    "/admin/snippets/choose/investigations/organisation/",
    "/admin/investigations/tableau-de-bord/",
    "/admin/investigations/calendrier/",
    "/admin/investigations/laureats/",
    "/admin/exports/candidatures/?format=csv",
    "/admin/exports/investigations/?format=csv",
    "/admin/reports/site-history/",
    "/admin/pages/search/?q=Personne",
    "/admin/search/?q=Investigation",
    "/admin/snippets/choose/investigations/investigation/",
    "/admin/snippets/choose/investigations/investigation/results/?q=Investigation",
]


def refused(response):
    return response.status_code in (302, 403, 404)


def leaks(response, side):
    body = b"".join(response) if response.streaming else response.content
    return any(
        secret.encode() in body
        for secret in (
            side["secret"],
            side["problem"],
            side["candidature"].reference,
            side["investigation"].title,
            side["organisation"].name,
        )
    )


@pytest.mark.parametrize("role", ["programme", "jury", "communication"])
@pytest.mark.parametrize("own,other", [("A", "B"), ("B", "A")])
def test_no_role_reaches_the_other_sites_data(client, sides, role, own, other):
    client.force_login(sides["people"][(own, role)])
    for url in urls_of(sides[other]):
        response = client.get(url)
        assert refused(response), f"{own}/{role} reached {url}: {response.status_code}"
        assert not leaks(response, sides[other]), f"{own}/{role} read {url}"
    for url in LISTINGS:
        response = client.get(url)
        assert not leaks(response, sides[other]), f"{own}/{role} read {url}"


def missing_twin(url):
    """The same address with every id replaced by one that exists nowhere."""
    path, _, query = url.partition("?")
    path = re.sub(r"/[0-9a-f]{8}-[0-9a-f-]{27}/", f"/{uuid.uuid4()}/", path)
    path = re.sub(r"/\d+/", "/987654/", path)
    path = re.sub(r"/\d+/", "/987654/", path)  # overlapping matches: ids side by side
    query = re.sub(r"=\d+", "=987654", query)
    return f"{path}?{query}" if query else path


@pytest.mark.parametrize("role", ["programme", "jury", "communication"])
def test_the_other_sites_ids_answer_like_ids_that_do_not_exist(client, sides, role):
    """Nothing tells an id of the other incubator from a missing one: both are 404."""
    client.force_login(sides["people"][("A", role)])
    for url in urls_of(sides["B"]):
        other, missing = client.get(url), client.get(missing_twin(url))
        assert other.status_code == missing.status_code, (url, missing_twin(url))
        assert other.status_code in (302, 404), url
    # The views that load one object answer 404 to both.
    c, r = sides["B"]["candidature"], sides["B"]["round"]
    for url in (
        f"/admin/exports/dossiers/{c.pk}/pdf/",
        f"/admin/exports/tours/{r.pk}/cahier-du-jury/",
        f"/admin/exports/tours/{r.pk}/cahier-du-jury/?membre=moi",
        sides["B"]["attachment"].get_absolute_url(),
        f"/admin/tours/{r.pk}/classement/",
        f"/admin/jury/{r.pk}/{c.pk}/",
    ):
        if role != "programme" and "/admin/tours/" in url:
            continue  # refused as a whole to them, whatever the id (no right to rank)
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("own", ["A", "B"])
def test_each_programme_team_reaches_its_own(client, sides, own):
    side = sides[own]
    client.force_login(sides["people"][(own, "programme")])
    for url in urls_of(side):
        if "/admin/jury/" in url:
            continue  # the programme team does not sit on the round
        if "/delete/" in url:
            continue  # an administration in use is kept (tests/test_deletions.py)
        assert client.get(url).status_code == 200, url
    for url in ("/admin/candidatures/", "/admin/reports/site-history/"):
        assert side["secret"].encode() in client.get(url).content, url
    ranking = client.get(
        f"/admin/tours/{side['round'].pk}/classement/"
    ).content.decode()
    assert f'href="/admin/tours/edit/{side["round"].pk}/"' in ranking, (
        "a way to edit it"
    )
    export = client.get("/admin/exports/candidatures/?format=xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(b"".join(export))).active.values)
    assert [row[0] for row in rows[1:]] == [side["candidature"].reference]


@pytest.mark.parametrize("own", ["A", "B"])
def test_each_juror_reaches_their_own_round(client, sides, own):
    side = sides[own]
    client.force_login(sides["people"][(own, "jury")])
    page = client.get(f"/admin/jury/{side['round'].pk}/")
    assert page.status_code == 200
    assert side["candidature"].reference.encode() in page.content
    assert client.get(side["attachment"].get_absolute_url()).status_code == 200


def test_a_round_of_one_site_refuses_a_juror_of_the_other(client, sides):
    """The member list offers only the site's people, and a forged post is refused in French."""
    from wagtail.test.utils.form_data import inline_formset, nested_form_data

    client.force_login(sides["people"][("B", "programme")])
    form = client.get("/admin/tours/new/").content.decode()
    assert "Jury_b" in form and "Prog_b" in form, "the site's jury and team, by name"
    assert "Jury_a" not in form and "Comm_b" not in form, (
        "nor the other site, nor comms"
    )
    data = nested_form_data(
        {
            "call": sides["B"]["call"].pk,
            "kind": "selection",
            "starts_on": "",
            "ends_on": "",
            "memberships": inline_formset(
                [{"user": sides["people"][("A", "jury")].pk, "administration": ""}]
            ),
        }
    )
    response = client.post("/admin/tours/new/", data)
    assert response.status_code == 200
    assert not ReviewRound.objects.filter(kind="selection").exists()
    assert "Sélectionnez un choix valide" in response.content.decode()


def test_public_api_and_pages_answer_for_their_own_site(client, sides):
    forms_a = client.get("/api/v3/forms/").json()
    forms_b = client.get("/api/v3/forms/", HTTP_HOST=B_HOST).json()
    assert [f["id"] for f in forms_a] == [sides["A"]["form_page"].pk]
    assert [f["id"] for f in forms_b] == [sides["B"]["form_page"].pk]
    other = client.get(f"/api/v3/forms/{sides['B']['form_page'].pk}/")
    assert other.status_code == 404
    learnings_b = client.get("/api/v3/investigations/", HTTP_HOST=B_HOST).json()
    assert [item["title"] for item in learnings_b] == ["Investigation BBB"]


def test_references_follow_the_site_of_the_call(client, sides):
    from forms.services import next_reference, reference_prefix_for

    assert reference_prefix_for(sides["B"]["call"]) == "MER"
    assert next_reference(sides["B"]["call"]).startswith("MER-")
    assert SiteIdentity.for_site(sides["site_b"]).theme == "neutral"


def test_each_communication_team_edits_only_its_own_pages(client, sides):
    home_b = sides["site_b"].root_page
    home_a = Site.objects.get(is_default_site=True).root_page
    client.force_login(sides["people"][("A", "communication")])
    assert client.get(f"/admin/pages/{home_a.pk}/edit/").status_code == 200
    assert refused(client.get(f"/admin/pages/{home_b.pk}/edit/"))
    client.force_login(sides["people"][("B", "communication")])
    assert client.get(f"/admin/pages/{home_b.pk}/edit/").status_code == 200
    assert refused(client.get(f"/admin/pages/{home_a.pk}/edit/"))


def test_create_incubator_refuses_a_taken_host_in_french_and_adds_nothing(sides):
    from django.contrib.auth.models import Group
    from django.core.management.base import CommandError

    counts = (Site.objects.count(), Group.objects.count())
    with pytest.raises(CommandError, match="Un site répond déjà à mer.example.org:80"):
        call_command("create_incubator", "Autre", hostname=B_HOST, stdout=io.StringIO())
    with pytest.raises(CommandError, match="existe déjà"):
        call_command(
            "create_incubator",
            "Fabrique de la Mer",
            hostname="autre.example.org",
            stdout=io.StringIO(),
        )
    assert (Site.objects.count(), Group.objects.count()) == counts


def test_an_investigation_is_planned_for_its_sites_length(sides):
    import datetime as dt

    identity = SiteIdentity.for_site(sides["site_b"])
    identity.investigation_weeks = 6
    identity.save()
    start = dt.date(2026, 1, 5)
    b = Investigation.objects.create(
        call=sides["B"]["call"], title="Mer", problem_statement="P", starts_on=start
    )
    a = Investigation.objects.create(
        call=sides["A"]["call"], title="Terre", problem_statement="P", starts_on=start
    )
    assert b.site == sides["site_b"]
    assert b.planned_end == start + dt.timedelta(weeks=6)
    assert a.planned_end == start + dt.timedelta(weeks=9)


def test_rows_from_before_sites_get_their_calls_site(sides):
    """What the data migrations do for templates and investigations made before sites."""
    from django.apps import apps

    from cms_pages.site_migrations import assign_sites

    NotificationTemplate.objects.update(site=None)
    Investigation.objects.update(site=None)
    assign_sites(apps, "selection", "NotificationTemplate")
    assign_sites(apps, "investigations", "Investigation")
    for side, site in (
        (sides["A"], Site.objects.get(is_default_site=True)),
        (sides["B"], sides["site_b"]),
    ):
        for name in ("template", "investigation"):
            side[name].refresh_from_db()
            assert side[name].site == site, name


def test_create_incubator_checks_its_input_in_french(sides, settings):
    from django.core.management.base import CommandError

    def create(*args, **options):
        call_command("create_incubator", *args, stdout=io.StringIO(), **options)

    with pytest.raises(CommandError, match="n'est pas un nom d'hôte"):
        create("Autre", hostname="http://autre.example.org/")
    with pytest.raises(CommandError, match="Thème inconnu « rouge »"):
        create("Autre", hostname="autre.example.org", theme="rouge")
    with pytest.raises(CommandError, match="« MER » est déjà pris"):
        create("Autre", hostname="autre.example.org", prefix="mer")
    settings.ALLOWED_HOSTS = ["127.0.0.1", ".example.org"]
    out = io.StringIO()
    call_command(
        "create_incubator", "Lab Pays", hostname="pays.example.net", stdout=out
    )
    assert "Ajoutez pays.example.net à ALLOWED_HOSTS" in out.getvalue()
    site = Site.objects.get(hostname="pays.example.net")
    assert SiteIdentity.for_site(site).reference_prefix == "LAB"
    programme = site.root_page.get_children().get()
    assert programme.show_in_menus, "the new home links to its programme"


def test_two_sites_never_share_a_reference_prefix(sides, client):
    from django.core.exceptions import ValidationError

    identity = SiteIdentity.for_site(Site.objects.get(is_default_site=True))
    identity.reference_prefix = "mer"
    with pytest.raises(ValidationError, match="Un autre site numérote déjà"):
        identity.full_clean()


def test_each_communication_team_has_its_own_images(client, sides):
    from wagtail.images.models import Image
    from wagtail.images.tests.utils import get_test_image_file

    site_a = Site.objects.get(is_default_site=True)
    a_collection = Collection.objects.get(name=site_a.site_name or site_a.hostname)
    b_collection = Collection.objects.get(name="Fabrique de la Mer")
    a_image = Image.objects.create(
        title="Photo AAA", file=get_test_image_file(), collection=a_collection
    )
    b_image = Image.objects.create(
        title="Photo BBB", file=get_test_image_file(), collection=b_collection
    )
    for own, mine, theirs in (("A", a_image, b_image), ("B", b_image, a_image)):
        client.force_login(sides["people"][(own, "communication")])
        listing = client.get("/admin/images/").content.decode()
        assert mine.title in listing and theirs.title not in listing, own
        assert refused(client.get(f"/admin/images/{theirs.pk}/"))
        upload = client.get("/admin/images/multiple/add/").content.decode()
        assert theirs.collection.name not in upload, own


@pytest.mark.parametrize("own,other", [("A", "B"), ("B", "A")])
def test_the_page_chooser_stays_on_ones_own_site(client, sides, own, other):
    client.force_login(sides["people"][(own, "programme")])
    theirs = sides[other]["call"].title
    for url in (
        "/admin/choose-page/",
        f"/admin/choose-page/search/?q={theirs.split()[-1]}",
        f"/admin/choose-page/{sides[other]['call'].get_parent().pk}/",
    ):
        body = client.get(url).content.decode()
        assert theirs not in body, url
    assert (
        sides[own]["call"].title
        in client.get(
            f"/admin/choose-page/search/?q={sides[own]['call'].title.split()[-1]}"
        ).content.decode()
    )


def test_a_neutral_sites_pdfs_do_not_wear_the_states_typeface(sides):
    """A local authority may not use Marianne; the State's sites keep it."""
    import pypdf

    from forms.receipts import render_receipt_pdf

    def font_names(pdf):
        reader = pypdf.PdfReader(io.BytesIO(pdf))
        names = set()
        for page in reader.pages:
            for font in (page["/Resources"].get("/Font") or {}).values():
                names.add(str(font.get_object()["/BaseFont"]))
        return names

    neutral = font_names(render_receipt_pdf(sides["B"]["candidature"]))
    state = font_names(render_receipt_pdf(sides["A"]["candidature"]))
    assert not any("Marianne" in name for name in neutral), neutral
    assert any("Marianne" in name for name in state), state


def test_no_group_keeps_rights_over_both_sites(client, sides):
    """Wagtail's « Editors » and « Moderators », or a group an administrator
    made, would otherwise still edit every site's pages and images."""
    from django.contrib.auth.models import Group
    from wagtail.models import GroupCollectionPermission, GroupPagePermission, Page

    assert not GroupPagePermission.objects.filter(page=Page.get_first_root_node())
    assert not GroupCollectionPermission.objects.filter(
        collection=Collection.get_first_root_node()
    )
    editor = member_of("Editors", "editor_a")
    home_a = Site.objects.get(is_default_site=True).root_page
    client.force_login(editor)
    assert client.get(f"/admin/pages/{home_a.pk}/edit/").status_code == 200
    assert refused(client.get(f"/admin/pages/{sides['site_b'].root_page.pk}/edit/"))
    assert Group.objects.get(name="Moderators").site_link.site.is_default_site


def test_instances_with_sites_already_lose_root_rights_on_migrating(sides):
    """What migration 0009 does where sites were added before Editors were narrowed."""
    import importlib

    from django.apps import apps
    from django.contrib.auth.models import Group, Permission
    from wagtail.models import GroupPagePermission, Page

    editors = Group.objects.get(name="Editors")
    GroupPagePermission.objects.create(
        group=editors,
        page=Page.get_first_root_node(),
        permission=Permission.objects.get(codename="change_page"),
    )
    migration = importlib.import_module("cms_pages.migrations.0009_narrow_root_groups")
    migration.narrow(apps, None)
    assert not GroupPagePermission.objects.filter(page=Page.get_first_root_node())
    assert GroupPagePermission.objects.filter(
        group=editors, page=Site.objects.get(is_default_site=True).root_page
    ).exists()


def test_page_types_report_counts_and_names_only_the_teams_pages(client, sides):
    """Wagtail's report named the last page edited of each type, on any site."""
    call_b = sides["B"]["call"]
    call_b.title = "Brouillon confidentiel de la Mer"
    call_b.save_revision()  # the call page edited last, of all sites
    url = "/admin/reports/page-types-usage/"
    client.force_login(sides["people"][("A", "communication")])
    report = client.get(url)
    assert report.status_code == 200
    assert b"Brouillon confidentiel de la Mer" not in report.content
    assert sides["A"]["call"].title.encode() in report.content
    counts = {row.model: row.count for row in report.context["object_list"]}
    assert counts["callpage"] == 1 and counts["homepage"] == 1
    # Filtered by the other site's address: nothing of it, not even its name.
    home_b = sides["site_b"].root_page
    filtered = client.get(url, {"site": home_b.path})
    names = {row.model for row in filtered.context["object_list"]}
    assert len(names) == len(filtered.context["object_list"]), "one row per type"
    assert {row.model: row.count for row in filtered.context["object_list"]} == {
        row.model: row.count for row in report.context["object_list"]
    }, "an unknown site is ignored: its own pages, as unfiltered"
    assert b"Fabrique de la Mer" not in filtered.content
    # Filtered by its own: each type once, counted right.
    own = client.get(
        url, {"site": Site.objects.get(is_default_site=True).root_page.path}
    )
    rows = own.context["object_list"]
    assert len({row.model for row in rows}) == len(rows), "one row per type"
    assert {row.model: row.count for row in rows}["callpage"] == 1
    client.force_login(sides["people"][("B", "communication")])
    assert b"Brouillon confidentiel de la Mer" in client.get(url).content


@pytest.mark.parametrize("own,other", [("A", "B"), ("B", "A")])
def test_each_teams_private_calendar_holds_its_own_investigations_only(
    client, sides, own, other
):
    feed = CalendarFeed.objects.create(user=sides["people"][(own, "programme")])
    body = client.get(f"/agenda/{feed.key}.ics").content.decode()
    assert sides[own]["investigation"].title in body
    assert sides[other]["investigation"].title not in body
