import pytest


@pytest.fixture
def every_field_form(programme):
    """A second open call whose form has a field of each type, and accepts every file kind."""
    from cms_pages.factories import CallPageFactory
    from forms.choices import FileKind
    from forms.factories import CandidatureFormPageFactory

    call = CallPageFactory(
        parent=programme, slug="appel-complet", title="Appel complet"
    )
    return CandidatureFormPageFactory(
        parent=call,
        slug="candidater",
        fields=[
            {"label": "Titre", "field_type": "singleline"},
            {"label": "Récit", "field_type": "multiline", "required": False},
            {"label": "Agents concernés", "field_type": "number", "required": False},
            {"label": "Site", "field_type": "url", "required": False},
            {"label": "Disponible", "field_type": "checkbox", "required": False},
            {
                "label": "Thèmes",
                "field_type": "checkboxes",
                "choices": "Santé\nTravail\nLogement",
                "required": False,
            },
            {
                "label": "Territoires",
                "field_type": "multiselect",
                "choices": "Ville\nCampagne",
                "required": False,
            },
            {
                "label": "Taille",
                "field_type": "radio",
                "choices": "Petite\nGrande",
                "required": False,
            },
            {"label": "Depuis", "field_type": "date", "required": False},
            {"label": "Rendez-vous", "field_type": "datetime", "required": False},
            {"label": "Code", "field_type": "hidden", "required": False},
            {
                "label": "Pièces",
                "field_type": "file",
                "required": False,
                "max_files": 10,
                "max_file_size_mb": 10,
                "allowed_file_types": ",".join(FileKind.values),
            },
        ],
    )


@pytest.fixture
def identity():
    return {
        "identity_name": "Camille Martin",
        "identity_email": "camille.martin@example.gouv.fr",
        "identity_administration": "Préfecture de l'Exemple",
        "titre": "Un titre",
    }
