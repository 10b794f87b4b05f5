"""A fork changes a template by dropping it into one folder, not by editing ours."""

import pytest
from django.template.loader import get_template


@pytest.fixture
def overrides(settings, tmp_path):
    folder = tmp_path / "templates" / "includes"
    folder.mkdir(parents=True)
    (folder / "footer.html").write_text(
        '<footer role="contentinfo" id="footer">Pied de page du fork</footer>'
    )
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "DIRS": [tmp_path / "templates", *settings.TEMPLATES[0]["DIRS"][1:]],
        }
    ]
    return tmp_path


def test_the_overrides_folder_comes_first_by_default(settings):
    assert settings.TEMPLATES[0]["DIRS"][0] == settings.OVERRIDES_DIR / "templates"


def test_a_template_in_the_overrides_folder_wins(overrides, client, home):
    assert "Pied de page du fork" in get_template("includes/footer.html").render({})
    page = client.get(home.url)
    assert "Pied de page du fork" in page.content.decode()
