import pytest

from forms.factories import CandidatureFormPageFactory


@pytest.fixture
def page(call):
    """A form whose file question takes PDFs and text files up to 5 Mo."""
    return CandidatureFormPageFactory(
        parent=call,
        slug="deposer",
        notification_emails="programme@example.org",
        fields=[
            {"label": "Le problème", "field_type": "multiline", "max_length": 500},
            {
                "label": "Pièces jointes",
                "field_type": "file",
                "required": False,
                "max_files": 2,
                "max_file_size_mb": 5,
                "allowed_file_types": "pdf,txt,docx",
            },
        ],
    )
