"""Every StreamField block renders with its DSFR component and reads back as JSON."""

import pytest
from bs4 import BeautifulSoup
from wagtail_factories import ImageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def call_with_every_block(call, programme):
    image = ImageFactory(title="Atelier")
    call.body = [
        {"type": "heading", "value": {"text": "Objectifs", "level": "h2"}},
        {"type": "paragraph", "value": "<p>Un <b>paragraphe</b>.</p>"},
        {
            "type": "callout",
            "value": {
                "title": "À savoir",
                "text": "Mise en avant",
                "link": {
                    "label": "Lire",
                    "page": programme.pk,
                    "url": "",
                    "style": "secondary",
                },
            },
        },
        {
            "type": "quote",
            "value": {
                "text": "Partir du problème.",
                "author": "Une agente",
                "source": "Préfecture",
            },
        },
        {
            "type": "image",
            "value": {
                "image": image.pk,
                "alt_text": "Un atelier",
                "caption": "Légende",
            },
        },
        {
            "type": "accordion",
            "value": {
                "items": [
                    {"title": "Pli 1", "body": "<p>A</p>"},
                    {"title": "Pli 2", "body": "<p>B</p>"},
                ]
            },
        },
        {
            "type": "button",
            "value": {
                "label": "En savoir plus",
                "page": None,
                "url": "https://example.org",
                "style": "primary",
            },
        },
        {
            "type": "timeline",
            "value": {
                "title": "Étapes",
                "items": [
                    {
                        "date": "2026-11-02",
                        "end_date": "2026-11-13",
                        "label": "Dépôt",
                        "description": "",
                    },
                    {
                        "date": "2026-11-17",
                        "end_date": None,
                        "label": "Jury",
                        "description": "Pré-sélection",
                    },
                ],
            },
        },
    ]
    call.save()
    return call


def test_every_block_renders_with_dsfr_markup(client, call_with_every_block, programme):
    soup = BeautifulSoup(client.get(call_with_every_block.url).content, "html.parser")
    main = soup.select_one("main")
    assert main.find("h2", string="Objectifs")
    assert main.select_one(".fr-callout .fr-callout__title").get_text() == "À savoir"
    assert main.select_one(".fr-callout a.fr-btn--secondary")["href"] == programme.url
    assert (
        "Partir du problème."
        in main.select_one("figure.fr-quote blockquote").get_text()
    )
    img = main.select_one("figure.fr-content-media img")
    assert img["alt"] == "Un atelier"
    buttons = main.select(".fr-accordion__btn")
    assert [b.get_text() for b in buttons][-2:] == ["Pli 1", "Pli 2"]
    ids = [b["aria-controls"] for b in buttons]
    assert len(ids) == len(set(ids)), "accordion ids must be unique"
    for panel_id in ids:
        assert main.find(id=panel_id)
    assert main.select_one('a.fr-btn[href="https://example.org"]')
    timeline = [
        li.get_text(" ", strip=True)
        for li in main.select(".amorce-timeline")[0].select("li")
    ]
    assert timeline[0].startswith("Du 2 novembre au 13 novembre 2026")


def test_blocks_api_representation(client, call_with_every_block, programme):
    body = {
        b["type"]: b["value"]
        for b in client.get(f"/api/v3/pages/{call_with_every_block.pk}/").json()["body"]
    }
    assert body["callout"]["link"] == {
        "label": "Lire",
        "url": programme.url,
        "page": programme.pk,
        "style": "secondary",
    }
    assert body["image"]["alt_text"] == "Un atelier"
    assert body["image"]["url"].startswith("/media/images/")
    assert body["timeline"]["items"][0]["date"] == "2026-11-02"


def test_link_block_needs_exactly_one_target():
    from wagtail.blocks import StructBlockValidationError

    from cms_pages.blocks import ButtonLinkBlock

    block = ButtonLinkBlock()
    with pytest.raises(StructBlockValidationError) as error:
        block.clean(
            block.to_python({"label": "X", "page": None, "url": "", "style": "primary"})
        )
    assert "soit une page du site, soit une adresse externe" in str(
        error.value.block_errors["url"]
    )
