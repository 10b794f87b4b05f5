"""Richer fields: French phone, SIRET/SIREN, département, bounds, formats, an address typed twice.

Each is checked on the server with a French message, on the site and through
the API, and what is stored is the normalised answer.
"""

import datetime as dt
import json

import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError

from cms_pages.factories import CallPageFactory
from forms import validators
from forms.factories import CandidatureFormPageFactory
from forms.models import Candidature, CandidatureFormField
from forms.options import option_errors

from .helpers import answers, post_form

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("01 23 45 67 89", "01 23 45 67 89"),
        ("0123456789", "01 23 45 67 89"),
        ("06.12.34.56.78", "06 12 34 56 78"),
        ("+33 6 12 34 56 78", "06 12 34 56 78"),
        ("+33 (0)1 23 45 67 89", "01 23 45 67 89"),
        ("0033123456789", "01 23 45 67 89"),
        ("+262 692 12 34 56", "06 92 12 34 56"),  # La Réunion: the national plan
        ("+687 12 34 56", "+687 12 34 56"),  # Nouvelle-Calédonie: its own plan
    ],
)
def test_french_phone_numbers_are_read_as_people_write_them(typed, stored):
    assert validators.french_phone(typed) == stored


@pytest.mark.parametrize(
    "typed", ["123", "00 12 34 56 78", "+44 20 7946 0958", "01 23 45 67 8٩", "+33 0"]
)
def test_other_numbers_are_refused(typed):
    with pytest.raises(ValidationError, match="numéro de téléphone français"):
        validators.french_phone(typed)


def test_siret_and_siren_checksums():
    assert validators.siret("130 025 265 00013") == "13002526500013"
    assert validators.siren("130025265") == "130025265"
    # La Poste's establishments: the sum of the digits, a multiple of 5.
    assert validators.siret("356 000 000 00001") == "35600000000001"
    with pytest.raises(ValidationError, match="clé de contrôle"):
        validators.siret("13002526500014")
    with pytest.raises(ValidationError, match="clé de contrôle"):
        validators.siren("130025266")
    with pytest.raises(ValidationError, match="14 chiffres"):
        validators.siret("1300252650001")


def test_departements_come_from_the_official_list():
    codes = [code for code, _name in validators.departements()]
    assert len(codes) == 109 and codes[:2] == ["01", "02"]
    assert {"2A", "2B", "971", "976", "988"} <= set(codes)


@pytest.fixture
def rich_form(programme):
    call = CallPageFactory(parent=programme, slug="appel-riche", title="Appel riche")
    return CandidatureFormPageFactory(
        parent=call,
        slug="candidater",
        fields=[
            {"label": "Téléphone", "field_type": "phone"},
            {"label": "SIRET", "field_type": "siret", "required": False},
            {"label": "Département", "field_type": "departement"},
            {
                "label": "Agents",
                "field_type": "number",
                "min_value": 1,
                "max_value": 500,
            },
            {
                "label": "Début",
                "field_type": "date",
                "min_date": dt.date(2027, 1, 1),
                "max_date": dt.date(2027, 12, 31),
            },
            {
                "label": "Code projet",
                "field_type": "singleline",
                "pattern": "[A-Z]{2}[0-9]{4}",
                "pattern_message": "Deux lettres puis quatre chiffres, comme AB1234.",
            },
            {"label": "Contact", "field_type": "email", "confirm_email": True},
            {"label": "Récit", "field_type": "multiline", "max_length": 300},
        ],
    )


def good(**overrides):
    return answers(
        **{
            "le_probleme": None,
            "public_concerne": None,
            "idee": None,
            "telephone": "+33 1 23 45 67 89",
            "siret": "130 025 265 00013",
            "departement": "Corse-du-Sud (2A)",
            "agents": "12",
            "debut": "2027-03-01",
            "code_projet": "AB1234",
            "contact": "referent@example.gouv.fr",
            "contact__confirmation": "Referent@example.gouv.fr",
            "recit": "Une histoire courte.",
            **overrides,
        }
    )


def field_errors(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return " ".join(p.get_text(" ", strip=True) for p in soup.select(".fr-error-text"))


def test_good_answers_are_stored_normalised(client, rich_form):
    response = post_form(client, rich_form, good())
    assert response.status_code == 200, field_errors(response)
    candidature = Candidature.objects.get(page=rich_form)
    data = candidature.form_data
    assert data["telephone"] == "01 23 45 67 89"
    assert data["siret"] == "13002526500013"
    assert data["departement"] == "Corse-du-Sud (2A)"
    assert "contact__confirmation" not in data
    # The definition keeps the options, so the answer keeps its meaning.
    by_name = {f["name"]: f for f in candidature.definition.fields}
    assert by_name["agents"]["options"] == {
        "min_value": "1.0000",
        "max_value": "500.0000",
    }
    assert by_name["code_projet"]["options"]["pattern"] == "[A-Z]{2}[0-9]{4}"
    assert "options" not in by_name["telephone"]


def test_each_bad_answer_gets_its_french_message_and_nothing_is_stored(
    client, rich_form
):
    response = post_form(
        client,
        rich_form,
        good(
            telephone="12 34",
            siret="13002526500014",
            departement="Gotham (99)",
            agents="501",
            debut="2026-12-31",
            code_projet="ab1234",
            contact__confirmation="autre@example.gouv.fr",
            recit="x" * 301,
        ),
    )
    text = field_errors(response)
    assert "numéro de téléphone français" in text
    assert "clé de contrôle" in text
    assert "Sélectionnez un choix valide" in text
    assert "inférieure ou égale à 500" in text
    assert "à partir du 01/01/2027" in text
    assert "Deux lettres puis quatre chiffres, comme AB1234." in text
    assert "Les deux adresses ne sont pas les mêmes" in text
    assert "300 caractères" in text
    assert not Candidature.objects.filter(page=rich_form).exists()


def test_the_page_shows_the_bounds_the_counter_and_the_second_address_box(
    client, rich_form
):
    soup = BeautifulSoup(client.get(rich_form.url).content, "html.parser")
    assert soup.select_one("input[name=debut]")["min"] == "2027-01-01"
    assert soup.select_one("input[name=telephone]")["type"] == "tel"
    assert soup.select_one("textarea[name=recit]")["data-amorce-counter"] == "300"
    assert soup.select_one("input[name=contact__confirmation]")
    options = [o["value"] for o in soup.select("select[name=departement] option")]
    assert "Ain (01)" in options and len(options) == 110


def test_the_api_describes_the_rules_and_applies_them(client, rich_form):
    schema = client.get(f"/api/v3/forms/{rich_form.pk}/").json()
    fields = {f["name"]: f for f in schema["fields"]}
    assert fields["telephone"]["type"] == "phone"
    assert float(fields["agents"]["min_value"]) == 1
    assert float(fields["agents"]["max_value"]) == 500
    assert fields["debut"]["max_date"] == "2027-12-31"
    assert fields["code_projet"]["pattern"] == "[A-Z]{2}[0-9]{4}"
    assert fields["contact__confirmation"]["confirms"] == "contact"

    url = f"/api/v3/forms/{rich_form.pk}/submissions/"
    bad = good(agents=0, siret="1")
    response = client.post(
        url, json.dumps({"answers": bad}), content_type="application/json"
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert "supérieure ou égale à 1" in errors["agents"][0]
    assert "14 chiffres" in errors["siret"][0]
    assert not Candidature.objects.filter(page=rich_form).exists()

    response = client.post(
        url, json.dumps({"answers": good()}), content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    assert (
        Candidature.objects.get(page=rich_form).form_data["telephone"]
        == "01 23 45 67 89"
    )


def field(**kwargs):
    return CandidatureFormField(label="Champ", **kwargs)


@pytest.mark.parametrize(
    "kwargs, option, message",
    [
        (
            {"field_type": "number", "min_value": 10, "max_value": 1},
            "max_value",
            "plus petite",
        ),
        (
            {
                "field_type": "date",
                "min_date": dt.date(2027, 2, 1),
                "max_date": dt.date(2027, 1, 1),
            },
            "max_date",
            "précède",
        ),
        (
            {"field_type": "singleline", "pattern": "[A-Z", "pattern_message": "x"},
            "pattern",
            "pas une expression",
        ),
        (
            {"field_type": "singleline", "pattern": "(a|aa)+$", "pattern_message": "x"},
            "pattern",
            "trop coûteux",
        ),
        (
            {"field_type": "singleline", "pattern": "[0-9]+"},
            "pattern_message",
            "Dites à l'agent",
        ),
        (
            {"field_type": "multiline", "min_value": 1},
            "min_value",
            "Ne s'applique qu'aux",
        ),
        (
            {"field_type": "singleline", "confirm_email": True},
            "confirm_email",
            "Ne s'applique qu'aux",
        ),
    ],
)
def test_impossible_options_are_refused_with_a_message_at_the_option(
    kwargs, option, message
):
    errors = option_errors(field(**kwargs))
    assert option in errors and message in str(errors[option])


def test_saving_a_form_with_a_bad_option_is_refused_in_the_editor(
    programme_client, rich_form
):
    from tests.pages import page_edit_data

    data = page_edit_data(programme_client, rich_form)
    index = next(
        key.split("-")[1]
        for key, value in data.items()
        if key.endswith("-label") and value == "Agents"
    )
    data[f"form_fields-{index}-min_value"] = "900"
    response = programme_client.post(f"/admin/pages/{rich_form.pk}/edit/", data)
    assert response.status_code == 200
    assert "La valeur maximale est plus petite que la minimale." in response.text
    field = rich_form.form_fields.get(label="Agents")
    assert field.min_value == 1


def test_numbers_and_dates_are_the_spreadsheets_own_and_identifiers_keep_their_zeros(
    client, rich_form, tmp_path
):
    import openpyxl

    from exports.resources import CandidatureResource
    from exports.xlsx import write_xlsx_sheets

    response = post_form(client, rich_form, good(agents="12.5"))
    assert response.status_code == 200, field_errors(response)
    resource = CandidatureResource(Candidature.objects.filter(page=rich_form))
    path = tmp_path / "export.xlsx"
    with path.open("wb") as output:
        write_xlsx_sheets([resource.sheet()], output)
    sheet = openpyxl.load_workbook(path).active
    headers = [cell.value for cell in sheet[1]]
    row = dict(zip(headers, [cell.value for cell in sheet[2]], strict=True))
    assert row["Agents"] == 12.5  # a number, not text
    assert row["Début"] == dt.datetime(2027, 3, 1)  # openpyxl reads dates as datetimes
    assert row["Téléphone"] == "01 23 45 67 89"
    assert row["SIRET"] == "13002526500013"


def test_a_bound_of_zero_is_a_bound_everywhere(client, programme):
    call = CallPageFactory(parent=programme, slug="appel-zero", title="Appel zéro")
    page = CandidatureFormPageFactory(
        parent=call,
        slug="candidater",
        fields=[{"label": "Agents", "field_type": "number", "min_value": 0}],
    )
    fields = {
        f["name"]: f for f in client.get(f"/api/v3/forms/{page.pk}/").json()["fields"]
    }
    assert float(fields["agents"]["min_value"]) == 0
    definition = {f["name"]: f for f in page.get_definition().fields}
    assert definition["agents"]["options"] == {"min_value": "0.0000"}


def test_a_line_break_counts_one_character_as_the_counter_counts_it(client, rich_form):
    text = ("ligne\r\n" * 40)[:298]  # 300 once each CR LF counts two
    response = post_form(client, rich_form, good(recit=text))
    assert response.status_code == 200, field_errors(response)
    stored = Candidature.objects.get(page=rich_form).form_data["recit"]
    assert "\r" not in stored and len(stored) <= 300


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("Lyon", "Lyon (69123)"),
        ("lyon", "Lyon (69123)"),
        ("69123", "Lyon (69123)"),
        ("Saint-Denis (93)", "Saint-Denis (93066)"),
        ("st denis (974)", "Saint-Denis (97411)"),
        ("Saint-Denis (93066)", "Saint-Denis (93066)"),
        ("Ajaccio (2A)", "Ajaccio (2A004)"),
        ("Nouméa", "Nouméa (98818)"),
    ],
)
def test_communes_are_read_as_people_write_them(typed, stored):
    assert validators.commune(typed) == stored


def test_an_ambiguous_or_unknown_commune_is_refused_with_a_way_out():
    with pytest.raises(ValidationError) as ambiguous:
        validators.commune("Saint-Denis")
    message = ambiguous.value.messages[0]
    assert "ajoutez le département" in message and "Saint-Denis (93)" in message
    with pytest.raises(ValidationError, match="Aucune commune"):
        validators.commune("Gotham")
    assert len(validators.communes()) > 34_000


def test_a_commune_field_through_the_site_and_the_api(client, programme):
    call = CallPageFactory(
        parent=programme, slug="appel-commune", title="Appel commune"
    )
    page = CandidatureFormPageFactory(
        parent=call,
        slug="candidater",
        fields=[{"label": "Commune", "field_type": "commune"}],
    )
    base = answers(le_probleme=None, public_concerne=None, idee=None)
    response = post_form(client, page, {**base, "commune": "Saint-Denis"})
    assert (
        "ajoutez le département"
        in BeautifulSoup(response.content, "html.parser").get_text()
    )
    assert not Candidature.objects.exists()
    post_form(client, page, {**base, "commune": "saint denis (93)"})
    assert Candidature.objects.get().form_data["commune"] == "Saint-Denis (93066)"
    schema = client.get(f"/api/v3/forms/{page.pk}/").json()
    assert {f["name"]: f for f in schema["fields"]}["commune"]["type"] == "commune"


@pytest.mark.parametrize(
    "label", ["Site web", "Jeton", "Answers", "Idempotency key", "Amorce étape"]
)
def test_a_question_cannot_take_a_name_the_form_uses_for_itself(
    programme_client, form_page, label
):
    """« Site web » would have been the bots' trap: whoever answered it, refused."""
    from tests.pages import page_edit_data, publish

    data = page_edit_data(programme_client, form_page)
    label_key = next(k for k, v in data.items() if v == "Idée")
    data[label_key] = label
    response = publish(programme_client, form_page, data)
    assert response.status_code == 200
    assert "Ce libellé est réservé au formulaire lui-même" in response.text
    assert form_page.form_fields.filter(label="Idée").exists()
    assert not form_page.form_fields.filter(label=label).exists()

    data[label_key] = "Site web du projet"
    response = publish(programme_client, form_page, data)
    assert response.status_code == 302
    assert form_page.form_fields.filter(label="Site web du projet").exists()
