"""« Dupliquer pour une nouvelle session »: a call copied for next season, dates moved."""

import datetime as dt

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page

from cms_pages.cloning import next_title, shift
from cms_pages.models import CallPage, FaqPage
from forms.factories import CandidatureFactory
from forms.models import (
    Candidature,
    CandidatureFormField,
    CandidatureFormPage,
    FormDefinition,
)
from tests.incubators import add_second_incubator
from tests.users import member_of

PARIS = timezone.get_default_timezone()


def paris(*args):
    return dt.datetime(*args, tzinfo=PARIS)


@pytest.fixture
def season(call, faq, form_page):
    """Last season's call, dated, with a timeline in its text and one candidature."""
    call.title = "Appel à problèmes 2026"
    call.opens_at = paris(2026, 3, 2, 9, 0)
    call.closes_at = paris(2026, 3, 27, 23, 59)
    call.preselection_date = dt.date(2026, 4, 10)
    call.selection_date = None
    call.investigations_start = dt.date(2026, 5, 4)
    call.body = [
        (
            "timeline",
            {
                "title": "Étapes",
                "items": [
                    {
                        "date": dt.date(2026, 3, 2),
                        "end_date": dt.date(2026, 3, 27),
                        "label": "Dépôt",
                        "description": "",
                    },
                    {
                        "date": dt.date(2026, 4, 10),
                        "end_date": None,
                        "label": "Jury",
                        "description": "",
                    },
                ],
            },
        )
    ]
    call.save_revision().publish()
    CandidatureFactory(page=form_page)
    return CallPage.objects.get(pk=call.pk)


def clone_url(call):
    return reverse("clone_call", args=[call.pk])


def copied(programme, slug):
    return CallPage.objects.child_of(programme).get(slug=slug)


def test_a_date_keeps_its_paris_hour_across_summer_time():
    # 27 March 2026 is before the change to summer time, 27 March 2027 after it.
    closing = paris(2026, 3, 27, 23, 59)
    moved = shift(closing, months=12)
    assert timezone.localtime(moved).strftime("%Y-%m-%d %H:%M") == "2027-03-27 23:59"
    assert shift(dt.date(2024, 2, 29), months=12) == dt.date(2025, 2, 28)
    assert shift(None, months=12) is None


def test_the_title_moves_by_whole_years_only():
    assert next_title("Appel à problèmes 2026", 12) == "Appel à problèmes 2027"
    assert next_title("Appel 2025-2026", 24) == "Appel 2027-2028"
    assert next_title("Appel de printemps", 12) == "Appel de printemps"
    assert next_title("Appel 2026", 6) == "Appel 2026"


def test_the_form_shows_the_dates_before_and_after(programme_client, season):
    response = programme_client.get(clone_url(season))
    assert response.status_code == 200
    page = BeautifulSoup(response.content, "html.parser")
    assert page.select_one("#id_title")["value"] == "Appel à problèmes 2027"
    rows = {
        tr.th.get_text(strip=True): [td.get_text(strip=True) for td in tr.select("td")]
        for tr in page.select("table.listing tbody tr")
    }
    assert rows["Ouverture des candidatures"][1].startswith("2 mars 2027")
    assert "23:59" in rows["Clôture des candidatures"][1]
    assert "Sélection par le comité" not in rows  # no date, nothing to move
    assert "« Questions fréquentes »" in response.text

    # Recalculating with another interval creates nothing.
    before = Page.objects.count()
    response = programme_client.post(
        clone_url(season),
        {
            "title": "Appel d'automne",
            "destination": season.get_parent().pk,
            "months": 6,
            "days": 1,
            "preview": "1",
        },
    )
    assert Page.objects.count() == before
    assert "3 septembre 2026" in response.text


def test_the_copy_is_a_draft_with_everything_written_and_nothing_that_happened(
    programme_client, season, form_page, programme
):
    response = programme_client.post(
        clone_url(season),
        {
            "title": "Appel à problèmes 2027",
            "destination": programme.pk,
            "months": 12,
            "days": 0,
        },
    )
    copy = copied(programme, "appel-a-problemes-2027")
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_pages:edit", args=[copy.pk])

    # Every date moved by a year, Paris time kept; nothing published or locked.
    assert timezone.localtime(copy.opens_at) == paris(2027, 3, 2, 9, 0)
    assert timezone.localtime(copy.closes_at) == paris(2027, 3, 27, 23, 59)
    assert copy.preselection_date == dt.date(2027, 4, 10)
    assert copy.selection_date is None
    assert copy.investigations_start == dt.date(2027, 5, 4)
    items = copy.body[0].value["items"]
    assert [(i["date"], i["end_date"]) for i in items] == [
        (dt.date(2027, 3, 2), dt.date(2027, 3, 27)),
        (dt.date(2027, 4, 10), None),
    ]
    assert not copy.live and copy.first_published_at is None
    assert copy.initial_closes_at is None

    # Its criteria, FAQ and form, with the form's fields and texts.
    assert [(c.label, c.weight) for c in copy.criteria.all()] == [
        (c.label, c.weight) for c in season.criteria.all()
    ]
    faq = FaqPage.objects.child_of(copy).get()
    assert faq.title == "Questions fréquentes" and not faq.live
    form = CandidatureFormPage.objects.child_of(copy).get()
    assert [f.label for f in form.form_fields.all()] == [
        f.label for f in form_page.form_fields.all()
    ]
    assert form.notification_emails == form_page.notification_emails
    assert not form.live

    # No candidature, no history: the copy's form stores its own definition.
    assert not Candidature.objects.filter(call=copy).exists()
    assert not Candidature.objects.filter(page=form).exists()
    assert copy.revisions.count() == 1 and form.revisions.count() == 1
    assert form.current_definition_id is None
    assert form.get_definition().page_id == form.pk
    assert FormDefinition.objects.get(pk=form.current_definition_id).page_id == form.pk

    # The original is untouched.
    season.refresh_from_db()
    assert season.live and season.title == "Appel à problèmes 2026"
    assert Candidature.objects.filter(call=season).count() == 1


def test_bad_input_copies_nothing(programme_client, season, programme):
    taken = season.slug
    before = Page.objects.count()
    response = programme_client.post(
        clone_url(season),
        {
            "title": "",
            "slug": taken,
            "destination": programme.pk,
            "months": 500,
            "days": 0,
        },
    )
    assert response.status_code == 200
    assert Page.objects.count() == before
    assert "Rien n'a été copié" in response.text
    assert "Une page porte déjà ce slug sous" in response.text
    assert "inférieure ou égale à 120" in response.text
    assert "Champ requis" in response.text


def test_a_free_slug_is_found_when_none_is_given(programme_client, season, programme):
    data = {"title": season.title, "destination": programme.pk, "months": 0, "days": 7}
    programme_client.post(clone_url(season), data)
    programme_client.post(clone_url(season), data)
    slugs = set(programme.get_children().values_list("slug", flat=True))
    assert {"appel-a-problemes-2026", "appel-a-problemes-2026-2"} <= slugs


def test_only_the_programme_team_of_the_calls_site_may_clone(client, season):
    for group in ("Communication", "Jury"):
        user = member_of(group, f"u-{group.lower()}")
        client.force_login(user)
        assert client.get(clone_url(season)).status_code in (403, 404)
        edit = client.get(reverse("wagtailadmin_pages:edit", args=[season.pk]))
        assert clone_url(season) not in edit.text

    site_b, call_b = add_second_incubator()
    paula_b = member_of("Équipe programme — Fabrique de la Mer", "paula_b")
    client.force_login(paula_b)
    assert client.get(clone_url(season)).status_code == 404


def test_the_button_is_on_the_calls_page_for_the_programme_team(
    programme_client, season, faq
):
    edit = programme_client.get(reverse("wagtailadmin_pages:edit", args=[season.pk]))
    assert clone_url(season) in edit.text
    faq_edit = programme_client.get(reverse("wagtailadmin_pages:edit", args=[faq.pk]))
    assert "/dupliquer/" not in faq_edit.text


def test_to_another_incubator_by_someone_of_both(client, season, paula, programme):
    site_b, call_b = add_second_incubator()
    programme_b = call_b.get_parent().specific
    client.force_login(paula)

    # Of one site only: the other site's programme page is not offered.
    response = client.get(clone_url(season))
    assert f'value="{programme_b.pk}"' not in response.text
    response = client.post(
        clone_url(season),
        {
            "title": "Appel Mer 2027",
            "destination": programme_b.pk,
            "months": 12,
            "days": 0,
        },
    )
    assert response.status_code == 200
    assert not CallPage.objects.child_of(programme_b).filter(title="Appel Mer 2027")

    # Of both: offered, and the copy lands under the other site.
    paula.groups.add(Group.objects.get(name="Équipe programme — Fabrique de la Mer"))
    paula = type(paula).objects.get(pk=paula.pk)
    client.force_login(paula)
    response = client.post(
        clone_url(season),
        {
            "title": "Appel Mer 2027",
            "destination": programme_b.pk,
            "months": 12,
            "days": 0,
        },
    )
    assert response.status_code == 302
    copy = CallPage.objects.child_of(programme_b).get(title="Appel Mer 2027")
    assert copy.get_site().pk == site_b.pk
    assert CandidatureFormPage.objects.child_of(copy).exists()


def test_dates_move_in_paris_time_whatever_the_admins_zone_and_bounds_move_too(
    season, form_page, programme, paula
):
    from cms_pages.cloning import clone_call

    CandidatureFormField.objects.create(
        page=form_page,
        label="Début souhaité",
        field_type="date",
        min_date=dt.date(2026, 3, 1),
        max_date=dt.date(2026, 3, 31),
    )
    with timezone.override("America/Cayenne"):
        copy = clone_call(
            season,
            to=programme,
            title="Appel 2027",
            slug="appel-2027",
            months=12,
            user=paula,
        )
    assert timezone.localtime(copy.closes_at, PARIS) == paris(2027, 3, 27, 23, 59)
    form = CandidatureFormPage.objects.child_of(copy).get()
    bounded = form.form_fields.get(label="Début souhaité")
    assert (bounded.min_date, bounded.max_date) == (
        dt.date(2027, 3, 1),
        dt.date(2027, 3, 31),
    )
    original = form_page.form_fields.get(label="Début souhaité")
    assert original.min_date == dt.date(2026, 3, 1)
