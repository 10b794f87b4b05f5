"""A postal address and a repeatable group: one question each, several parts.

Each part is checked on the server with a French message that names it, on
the site and through the API; the answer is stored as a dictionary (an
address) or a list of dictionaries (a group's filled entries), shown a line
each, and described in the API's schema.
"""

import json

import pytest
from bs4 import BeautifulSoup

from cms_pages.factories import CallPageFactory
from forms.compound import parse_subfields, read_address
from forms.factories import CandidatureFormPageFactory
from forms.models import Candidature, CandidatureFormField
from forms.options import option_errors

from .helpers import answers, post_form

pytestmark = pytest.mark.django_db

TEAM = "Nom *\nRôle\nCourriel : courriel\nArrivée : date\nJours par semaine : nombre"


@pytest.fixture
def team_form(programme):
    call = CallPageFactory(parent=programme, slug="appel-equipe", title="Appel équipe")
    return CandidatureFormPageFactory(
        parent=call,
        slug="candidater",
        fields=[
            {"label": "Adresse du service", "field_type": "address"},
            {
                "label": "Équipe",
                "field_type": "group",
                "group_fields": TEAM,
                "min_entries": 2,
                "max_entries": 3,
                "entry_label": "une personne",
            },
        ],
    )


def base(**overrides):
    return answers(le_probleme=None, public_concerne=None, idee=None, **overrides)


def address_post(**parts):
    values = {
        "voie": "20 avenue de Ségur",
        "complement": "",
        "code_postal": "75007",
        "commune": "Paris",
        **parts,
    }
    return {f"adresse_du_service__{key}": value for key, value in values.items()}


def entry(number, **values):
    return {f"equipe__{number}__{key}": value for key, value in values.items()}


def good_team():
    return {
        **entry(1, nom="Camille Martin", role="Cheffe", courriel="c@example.gouv.fr"),
        **entry(2, nom="Léo Petit", arrivee="2027-01-04", jours_par_semaine="2,5"),
    }


def errors_of(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return [p.get_text(" ", strip=True) for p in soup.select(".fr-error-text")]


def page_text(response):
    return BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)


def test_a_good_address_and_team_are_stored_as_parts(client, team_form):
    response = post_form(client, team_form, {**base(), **address_post(), **good_team()})
    assert Candidature.objects.exists(), errors_of(response)
    data = Candidature.objects.get().form_data
    assert data["adresse_du_service"] == {
        "voie": "20 avenue de Ségur",
        "complement": "",
        "code_postal": "75007",
        "commune": "Paris (75056)",
    }
    assert data["equipe"] == [
        {
            "nom": "Camille Martin",
            "role": "Cheffe",
            "courriel": "c@example.gouv.fr",
            "arrivee": "",
            "jours_par_semaine": "",
        },
        {
            "nom": "Léo Petit",
            "role": "",
            "courriel": "",
            "arrivee": "2027-01-04",
            "jours_par_semaine": "2.5",
        },
    ]


def test_each_bad_part_is_refused_beside_its_input_and_nothing_is_stored(
    client, team_form
):
    data = {
        **base(),
        **address_post(code_postal="7500", commune="Lyon"),
        **entry(1, role="Cheffe"),  # filled, but without its name
        **entry(2, nom="Léo Petit", courriel="pas-une-adresse"),
    }
    response = post_form(client, team_form, data)
    assert not Candidature.objects.exists()
    soup = BeautifulSoup(response.content, "html.parser")
    postal = soup.select_one("input[name=adresse_du_service__code_postal]")
    said = soup.find(id=postal["aria-describedby"]).get_text(strip=True)
    assert said == "Un code postal compte 5 chiffres, par exemple 75007."
    assert postal["aria-invalid"] == "true"
    name = soup.select_one("input[name=equipe__1__nom]")
    assert "obligatoire dans chaque entrée remplie" in (
        soup.find(id=name["aria-describedby"]).get_text()
    )
    email = soup.select_one("input[name=equipe__2__courriel]")
    assert soup.find(id=email["aria-describedby"])
    # The summary names the entry and the sub-field.
    text = page_text(response)
    assert "Personne 2 – Courriel :" in text
    assert "Code postal : Un code postal compte 5 chiffres" in text
    # What was typed comes back.
    assert soup.select_one("input[name=equipe__2__nom]")["value"] == "Léo Petit"


def test_a_postal_code_of_another_departement_is_refused():
    address, errors = read_address(
        {"voie": "1 rue de la République", "code_postal": "75001", "commune": "Lyon"}
    )
    assert "département 69" in errors["code_postal"]
    assert "Lyon (69123)" in errors["code_postal"]
    _address, errors = read_address(
        {"voie": "1 rue X", "code_postal": "00100", "commune": "Lyon"}
    )
    assert "aucun département" in errors["code_postal"]


def test_a_name_several_communes_bear_is_settled_by_the_postal_code():
    address, errors = read_address(
        {"voie": "2 place du Caquet", "code_postal": "93200", "commune": "Saint-Denis"}
    )
    assert errors == {}
    assert address["commune"] == "Saint-Denis (93066)"
    # Corsica's codes start with 20, its départements are 2A and 2B.
    address, errors = read_address(
        {"voie": "1 cours Napoléon", "code_postal": "20000", "commune": "Ajaccio"}
    )
    assert errors == {} and address["commune"] == "Ajaccio (2A004)"


def test_fewer_entries_than_the_minimum_are_refused(client, team_form):
    data = {**base(), **address_post(), **entry(1, nom="Seule")}
    response = post_form(client, team_form, data)
    assert not Candidature.objects.exists()
    assert "Remplissez au moins 2 entrée(s) « Personne »." in page_text(response)


def test_the_page_shows_a_fieldset_with_autocomplete_and_the_maximum_of_entries(
    client, team_form
):
    soup = BeautifulSoup(client.get(team_form.url).content, "html.parser")
    fieldset = soup.find("fieldset", id="id_adresse_du_service")
    legend = fieldset.find("legend")
    assert legend.get_text(" ", strip=True).startswith("Adresse du service")
    tokens = {
        i["name"].split("__")[1]: i["autocomplete"] for i in fieldset.select("input")
    }
    assert tokens == {
        "voie": "address-line1",
        "complement": "address-line2",
        "code_postal": "postal-code",
        "commune": "address-level2",
    }
    assert fieldset.select_one("input[data-amorce-commune]")
    group = soup.select_one("[data-amorce-group]")
    assert len(group.select("[data-amorce-entry]")) == 3  # the maximum, without script
    assert group["data-add"] == "Ajouter une personne"
    assert soup.select_one("input[name=equipe__3__arrivee]")["type"] == "date"
    # A blank entry must be sendable: no input of an entry is « required ».
    assert not group.select("input[required]")


def test_the_api_describes_the_parts_and_checks_each(client, team_form):
    schema = client.get(f"/api/v3/forms/{team_form.pk}/").json()
    fields = {f["name"]: f for f in schema["fields"]}
    address = fields["adresse_du_service"]
    assert address["type"] == "address"
    assert [p["name"] for p in address["parts"]] == [
        "voie",
        "complement",
        "code_postal",
        "commune",
    ]
    assert address["answer_schema"]["required"] == ["voie", "code_postal", "commune"]
    assert address["answer_schema"]["properties"]["code_postal"]["pattern"]
    team = fields["equipe"]
    assert team["type"] == "group"
    assert (team["min_items"], team["max_items"]) == (2, 3)
    assert team["answer_schema"]["maxItems"] == 3
    assert team["answer_schema"]["minItems"] == 2
    assert team["answer_schema"]["items"]["required"] == ["nom"]
    assert team["answer_schema"]["items"]["properties"]["courriel"]["format"] == "email"

    url = f"/api/v3/forms/{team_form.pk}/submissions/"

    def send(**overrides):
        body = {
            **base(),
            "adresse_du_service": {
                "voie": "20 avenue de Ségur",
                "code_postal": "75007",
                "commune": "Paris",
            },
            "equipe": [
                {"nom": "Camille Martin", "courriel": "c@example.gouv.fr"},
                {"nom": "Léo Petit", "jours_par_semaine": 2},
            ],
            **overrides,
        }
        return client.post(
            url, json.dumps({"answers": body}), content_type="application/json"
        )

    response = send(
        adresse_du_service={
            "voie": "1 rue X",
            "code_postal": "69001",
            "commune": "Paris",
        },
        equipe=[{"nom": "A"}, {"nom": "B", "courriel": "b@"}],
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert (
        "vérifiez le code postal ou la commune"
        in errors["adresse_du_service.code_postal"][0]
    )
    assert "adresse de courriel valide" in errors["equipe.2.courriel"][0]
    assert any("Personne 2 – Courriel" in m for m in errors["equipe"])

    response = send(adresse_du_service="20 avenue de Ségur, Paris")
    assert response.status_code == 422
    assert "un objet" in response.json()["errors"]["adresse_du_service"][0]
    response = send(equipe=[{"nom": f"P{i}"} for i in range(4)])
    assert "3 entrées au plus" in response.json()["errors"]["equipe"][0]
    response = send(equipe=[{"nom": "A", "age": "40"}, {"nom": "B"}])
    assert "sous-champs inconnus" in response.json()["errors"]["equipe"][0]
    assert not Candidature.objects.exists()

    # In multipart, each part under its own name, as a browser sends it.
    response = client.post(
        url, {**base(), **address_post(code_postal="75 007"), **entry(1, nom="A")}
    )
    assert response.status_code == 422
    assert "Remplissez au moins 2" in response.json()["errors"]["equipe"][0]
    assert "adresse_du_service" not in response.json()["errors"]
    # A misspelt part, an entry past the maximum: unknown names, not lost answers.
    response = client.post(
        url,
        {
            **base(),
            **address_post(),
            **good_team(),
            "adresse_du_service__complment": "Bâtiment B",
            "equipe__9__nom": "Zoé",
            "equipe__1__age": "40",
        },
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {
        "adresse_du_service__complment",
        "equipe__9__nom",
        "equipe__1__age",
    }

    response = send()
    assert response.status_code == 201, response.json()
    data = Candidature.objects.get().form_data
    assert data["adresse_du_service"]["commune"] == "Paris (75056)"
    assert data["equipe"][1]["jours_par_semaine"] == "2"


def group_field(**kwargs):
    return CandidatureFormField(label="Équipe", field_type="group", **kwargs)


@pytest.mark.parametrize(
    "kwargs, option, message",
    [
        ({"group_fields": ""}, "group_fields", "au moins un sous-champ"),
        ({"group_fields": "Nom\nÂge : âge"}, "group_fields", "Ligne 2 : type « âge »"),
        ({"group_fields": "Nom\nnom"}, "group_fields", "même libellé"),
        (
            {"group_fields": "Nom", "min_entries": 4, "max_entries": 2},
            "max_entries",
            "plus petit que le minimal",
        ),
    ],
)
def test_bad_group_options_are_refused_with_a_message_at_the_option(
    kwargs, option, message
):
    errors = option_errors(group_field(**kwargs))
    assert option in errors and message in str(errors[option])


def test_group_options_apply_to_groups_only():
    errors = option_errors(
        CandidatureFormField(label="X", field_type="singleline", max_entries=3)
    )
    assert "Ne s'applique qu'aux" in str(errors["max_entries"])


def test_sub_fields_are_read_from_the_teams_lines():
    subfields, errors = parse_subfields(TEAM)
    assert errors == []
    assert [(s["name"], s["type"], s["required"]) for s in subfields] == [
        ("nom", "singleline", True),
        ("role", "singleline", False),
        ("courriel", "email", False),
        ("arrivee", "date", False),
        ("jours_par_semaine", "number", False),
    ]


def test_saving_a_group_without_sub_fields_is_refused_in_the_editor(
    programme_client, team_form
):
    from tests.pages import page_edit_data

    data = page_edit_data(programme_client, team_form)
    index = next(
        key.split("-")[1]
        for key, value in data.items()
        if key.endswith("-label") and value == "Équipe"
    )
    data[f"form_fields-{index}-group_fields"] = ""
    response = programme_client.post(f"/admin/pages/{team_form.pk}/edit/", data)
    assert response.status_code == 200
    assert "Donnez au moins un sous-champ, un par ligne." in response.text
    assert team_form.form_fields.get(label="Équipe").group_fields == TEAM


def test_an_address_or_a_group_is_no_condition_source_but_may_be_conditioned():
    from forms.conditions import condition_errors

    rows = [
        CandidatureFormField(label="Adresse", field_type="address"),
        CandidatureFormField(
            label="Suite",
            field_type="singleline",
            condition_field="Adresse",
            condition_values="Paris",
        ),
        CandidatureFormField(label="Seul", field_type="checkbox"),
        CandidatureFormField(
            label="Équipe",
            field_type="group",
            group_fields="Nom",
            condition_field="Seul",
            condition_values="non",
        ),
    ]
    errors = condition_errors(rows)
    assert "pas de réponse à comparer" in str(errors[1]["condition_field"])
    assert 3 not in errors


def test_answers_read_a_line_each_in_the_dossier_pdf_and_after_the_form_changed(
    client, team_form
):
    import io

    from pypdf import PdfReader

    from exports.pdf import render_candidature_pdf

    post_form(client, team_form, {**base(), **address_post(), **good_team()})
    candidature = Candidature.objects.get()
    # The team removes both questions: the answers stay readable.
    team_form.form_fields.all().delete()
    rows = {row["label"]: row["display"] for row in candidature.answers()}
    assert rows["Adresse du service"] == "20 avenue de Ségur\n75007 Paris"
    assert rows["Équipe"].splitlines() == [
        "Personne 1 – Nom : Camille Martin ; Rôle : Cheffe ; Courriel : c@example.gouv.fr",
        "Personne 2 – Nom : Léo Petit ; Arrivée : 2027-01-04 ; Jours par semaine : 2.5",
    ]
    pdf = render_candidature_pdf(candidature)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "75007 Paris" in text
    assert "Personne 2 – Nom : Léo Petit" in text


def test_each_part_is_its_own_typed_column_in_the_spreadsheets(
    client, team_form, tmp_path
):
    import datetime as dt

    import openpyxl
    import pandas

    from exports.resources import CandidatureResource
    from exports.writers import write_sheets

    post_form(client, team_form, {**base(), **address_post(), **good_team()})
    resource = CandidatureResource(Candidature.objects.filter(page=team_form))
    path = tmp_path / "export.xlsx"
    with path.open("wb") as output:
        write_sheets("xlsx", [resource.sheet()], output)
    sheet = openpyxl.load_workbook(path).active
    headers = [cell.value for cell in sheet[1]]
    row = dict(zip(headers, [cell.value for cell in sheet[2]], strict=True))
    assert row["Adresse du service – code postal"] == "75007"  # text: zeros kept
    assert row["Adresse du service – commune"] == "Paris (75056)"
    assert row["Adresse du service – voie"] == "20 avenue de Ségur"
    assert row["Équipe – personne 1 – Nom"] == "Camille Martin"
    assert row["Équipe – personne 2 – Arrivée"] == dt.datetime(2027, 1, 4)
    assert row["Équipe – personne 2 – Jours par semaine"] == 2.5
    assert "Équipe – personne 3 – Nom" in headers  # up to the maximum
    assert "Adresse du service" not in headers and "Équipe" not in headers
    frame = pandas.read_excel(path, dtype={"Adresse du service – code postal": str})
    assert frame.loc[0, "Équipe – personne 2 – Jours par semaine"] == 2.5
    assert frame.loc[0, "Adresse du service – code postal"] == "75007"

    ods_path = tmp_path / "export.ods"
    with ods_path.open("wb") as output:
        write_sheets("ods", [resource.sheet()], output)
    frame = pandas.read_excel(ods_path, engine="odf")
    assert frame.loc[0, "Équipe – personne 2 – Jours par semaine"] == 2.5
    assert frame.loc[0, "Adresse du service – commune"] == "Paris (75056)"

    csv_path = tmp_path / "export.csv"
    with csv_path.open("wb") as output:
        write_sheets("csv", [resource.sheet()], output)
    frame = pandas.read_csv(csv_path, dtype=str, sep=None, engine="python")
    assert frame.loc[0, "Équipe – personne 1 – Courriel"] == "c@example.gouv.fr"


def test_a_draft_keeps_an_address_and_a_team_and_gives_them_back(client, team_form):
    from forms.models import Draft

    from .helpers import token_from

    token = token_from(client.get(team_form.url))
    payload = {**base(), **address_post(), **good_team(), "jeton": token}
    client.post(f"{team_form.url}?amorce_action=brouillon", payload)
    draft = Draft.objects.get()
    assert draft.answers["adresse_du_service"]["code_postal"] == "75007"
    assert [e["nom"] for e in draft.answers["equipe"]] == [
        "Camille Martin",
        "Léo Petit",
    ]
    form = team_form.get_form(page=team_form, initial=draft.answers)
    html = str(form)
    soup = BeautifulSoup(html, "html.parser")
    assert soup.select_one("input[name=adresse_du_service__voie]")["value"] == (
        "20 avenue de Ségur"
    )
    assert soup.select_one("input[name=equipe__2__nom]")["value"] == "Léo Petit"


def test_communes_are_suggested_as_typed_and_narrowed_by_the_postal_code(client):
    found = client.get("/api/v3/forms/communes/", {"q": "saint-den"}).json()
    assert len(found) == 20 and all(c["name"].startswith("Saint-Den") for c in found)
    found = client.get(
        "/api/v3/forms/communes/", {"q": "saint denis", "code_postal": "93200"}
    ).json()
    assert found == [
        {
            "code": "93066",
            "name": "Saint-Denis",
            "departement": "93",
            "value": "Saint-Denis (93066)",
        }
    ]
    assert client.get("/api/v3/forms/communes/", {"q": "l"}).json() == []


def test_a_commune_box_carries_where_its_suggestions_come_from(client, team_form):
    soup = BeautifulSoup(client.get(team_form.url).content, "html.parser")
    box = soup.select_one("input[name=adresse_du_service__commune]")
    assert box["data-amorce-commune"] == "/api/v3/forms/communes/"
    assert soup.find("script", src=lambda s: s and s.endswith("forms/js/parts.js"))


def test_the_admin_dossier_shows_the_address_and_each_entry_on_its_line(
    client, programme_client, team_form
):
    post_form(client, team_form, {**base(), **address_post(), **good_team()})
    candidature = Candidature.objects.get()
    response = programme_client.get(f"/admin/candidatures/inspect/{candidature.pk}/")
    soup = BeautifulSoup(response.content, "html.parser")
    answers_by_label = {
        dt.get_text(strip=True): dt.find_next_sibling("dd")
        for dt in soup.select("dl.amorce-answers dt")
    }
    address = answers_by_label["Adresse du service"]
    assert [t.strip() for t in address.strings] == ["20 avenue de Ségur", "75007 Paris"]
    team = [t.strip() for t in answers_by_label["Équipe"].strings]
    assert team[1].startswith("Personne 2 – Nom : Léo Petit")


def test_the_applicant_edits_a_team_from_the_dossier_and_the_address_stays(team_form):
    import re

    from django.core import mail
    from django.test import Client

    post_form(Client(), team_form, {**base(), **address_post(), **good_team()})
    candidature = Candidature.objects.get()
    [receipt] = [m for m in mail.outbox if candidature.applicant_email in m.to]
    [url] = re.findall(r"https?://\S+/espace-candidat/lien/[^/\s]+/", receipt.body)
    browser = Client()
    dossier = browser.post("/" + url.split("/", 3)[3])["Location"]
    soup = BeautifulSoup(browser.get(f"{dossier}modifier/").content, "html.parser")
    assert soup.select_one("input[name=adresse_du_service__code_postal]")["value"] == (
        "75007"
    )
    assert soup.select_one("input[name=equipe__2__nom]")["value"] == "Léo Petit"
    assert soup.find("script", src=lambda s: s and s.endswith("forms/js/parts.js"))

    data = {**base(), **address_post(), **good_team(), **entry(3, nom="Inès")}
    data.pop("identity_email")
    assert browser.post(f"{dossier}modifier/", data).status_code == 303
    candidature.refresh_from_db()
    assert [e["nom"] for e in candidature.form_data["equipe"]] == [
        "Camille Martin",
        "Léo Petit",
        "Inès",
    ]
    assert candidature.versions.get().changed_fields == ["equipe"]


def test_a_group_narrowed_since_keeps_the_columns_of_its_older_answers(
    client, team_form
):
    from exports.resources import CandidatureResource

    data = {**base(), **address_post(), **good_team(), **entry(3, nom="Inès")}
    post_form(client, team_form, data)
    team = team_form.form_fields.get(label="Équipe")
    team.max_entries = 2
    team.save()  # what publishing the page does (a queryset update is not seen)
    post_form(
        client,
        team_form,
        {
            **base(identity_email="autre@example.gouv.fr"),
            **address_post(),
            **good_team(),
        },
    )
    assert Candidature.objects.count() == 2
    assert Candidature.objects.values("definition").distinct().count() == 2
    sheet = CandidatureResource(Candidature.objects.filter(page=team_form)).sheet()
    rows = [dict(zip(sheet.headers, row, strict=True)) for row in sheet.rows]
    assert rows[0]["Équipe – personne 3 – Nom"] == "Inès"
    assert rows[1]["Équipe – personne 3 – Nom"] is None


def test_a_blind_round_hides_the_address_and_the_team(client, team_form):
    from selection.blind import blind_answers, masked

    post_form(client, team_form, {**base(), **address_post(), **good_team()})
    candidature = Candidature.objects.get()
    rows = {r["label"]: r for r in blind_answers(candidature, candidature.answers())}
    for label in ("Adresse du service", "Équipe"):
        assert rows[label]["display"] == masked()
        assert "Camille" not in str(rows[label]["value"])


def test_an_api_draft_keeps_a_team_with_a_number_and_an_empty_part(client, team_form):
    """JSON allows a number for a « nombre » sub-field and null for an empty part:
    the draft keeps them as text, it does not drop the whole answer."""
    import json

    response = client.post(
        f"/api/v3/forms/{team_form.pk}/drafts/",
        json.dumps(
            {
                "answers": {
                    "identity_email": "camille.martin@example.gouv.fr",
                    "equipe": [{"nom": "Léo Petit", "jours_par_semaine": 2}],
                    "adresse_du_service": {
                        "voie": "20 avenue de Ségur",
                        "complement": None,
                    },
                }
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    answers = response.json()["answers"]
    assert answers["equipe"][0]["jours_par_semaine"] == "2"
    assert answers["adresse_du_service"]["voie"] == "20 avenue de Ségur"


def test_an_answer_from_before_the_question_had_parts_stays_in_the_spreadsheets(
    client, team_form
):
    """« Équipe » was a long text, then became a group under the same name: the
    older answer is written in the group's first column, not left out."""
    from exports.resources import CandidatureResource

    post_form(client, team_form, {**base(), **address_post(), **good_team()})
    older = Candidature.objects.get()
    older.form_data["equipe"] = "Camille Martin et Léo Petit"
    older.form_data["adresse_du_service"] = "20 avenue de Ségur, Paris"
    older.save(update_fields=["form_data"])
    sheet = CandidatureResource(Candidature.objects.filter(page=team_form)).sheet()
    row = dict(zip(sheet.headers, next(iter(sheet.rows)), strict=True))
    assert row["Équipe – personne 1 – Nom"] == "Camille Martin et Léo Petit"
    assert row["Équipe – personne 1 – Rôle"] is None
    assert row["Adresse du service – voie"] == "20 avenue de Ségur, Paris"
