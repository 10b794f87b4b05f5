"""A PDF joined to a dossier comes into the jury book (« avec les pièces jointes
PDF ») with what its page shows, and without what it carries unseen: the XMP
of an image it draws (who scanned it), at any depth of nested forms, a file
joined to the page, the author and text of a note (``exports.appendices``).
In every book, the programme team's as a blind member's."""

import io

import pytest
from django.core.files.base import ContentFile
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

from forms.factories import CandidatureFactory
from forms.models import CandidatureAttachment
from selection.models import ReviewRound, RoundMember
from tests.users import member_of

pytestmark = pytest.mark.django_db

AUTHOR = "Camille Martin"
SHOWN = "Attestation visible"


def _name(value):
    return NameObject(value)


def _stream(writer, data, **entries):
    stream = DecodedStreamObject()
    stream.set_data(data)
    for key, value in entries.items():
        stream[_name(f"/{key}")] = value
    return writer._add_object(stream)


def _xmp(writer):
    return _stream(
        writer,
        f"<x:xmpmeta><dc:creator>{AUTHOR}</dc:creator></x:xmpmeta>".encode(),
        Type=_name("/Metadata"),
        Subtype=_name("/XML"),
    )


def _gray_pixel(writer, shade, **entries):
    """A one-pixel grey image XObject (``shade``: its byte)."""
    return _stream(
        writer,
        shade,
        Type=_name("/XObject"),
        Subtype=_name("/Image"),
        Width=NumberObject(1),
        Height=NumberObject(1),
        ColorSpace=_name("/DeviceGray"),
        BitsPerComponent=NumberObject(8),
        **entries,
    )


def _rect(*numbers):
    return ArrayObject([FloatObject(n) for n in numbers])


def pdf_hiding_its_author():
    """One page that shows a text and an image, and hides « Camille Martin » in:
    the image's XMP and PieceInfo, a nested form's image XMP (the form drawing
    itself: a cycle), a joined file, a note with its pop-up."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=300, height=300)
    image = _gray_pixel(writer, b"\x80")
    image.get_object()[_name("/Metadata")] = _xmp(writer)
    image.get_object()[_name("/PieceInfo")] = DictionaryObject(
        {
            _name("/Scanner"): DictionaryObject(
                {_name("/Private"): TextStringObject(AUTHOR)}
            )
        }
    )
    inner_image = _gray_pixel(writer, b"\x40", Metadata=_xmp(writer))
    form = _stream(
        writer,
        b"q 5 0 0 5 0 0 cm /Inner Do Q",
        Type=_name("/XObject"),
        Subtype=_name("/Form"),
        BBox=_rect(0, 0, 10, 10),
        Metadata=_xmp(writer),
    )
    form.get_object()[_name("/Resources")] = DictionaryObject(
        {
            _name("/XObject"): DictionaryObject(
                {_name("/Inner"): inner_image, _name("/Self"): form}
            )
        }
    )
    font = DictionaryObject(
        {
            _name("/Type"): _name("/Font"),
            _name("/Subtype"): _name("/Type1"),
            _name("/BaseFont"): _name("/Helvetica"),
        }
    )
    page[_name("/Resources")] = DictionaryObject(
        {
            _name("/Font"): DictionaryObject({_name("/F1"): font}),
            _name("/XObject"): DictionaryObject(
                {_name("/Im1"): image, _name("/Fm1"): form}
            ),
        }
    )
    content = (
        f"BT /F1 14 Tf 20 250 Td ({SHOWN}) Tj ET "
        "q 50 0 0 50 20 150 cm /Im1 Do Q q 1 0 0 1 100 150 cm /Fm1 Do Q"
    ).encode()
    page[_name("/Contents")] = _stream(writer, content)

    joined = _stream(
        writer, f"Scanné par {AUTHOR}".encode(), Type=_name("/EmbeddedFile")
    )
    attachment = DictionaryObject(
        {
            _name("/Type"): _name("/Annot"),
            _name("/Subtype"): _name("/FileAttachment"),
            _name("/Rect"): _rect(0, 0, 20, 20),
            _name("/T"): TextStringObject(AUTHOR),
            _name("/Contents"): TextStringObject(f"Pièce de {AUTHOR}"),
            _name("/FS"): DictionaryObject(
                {
                    _name("/Type"): _name("/Filespec"),
                    _name("/F"): TextStringObject(f"{AUTHOR}.txt"),
                    _name("/UF"): TextStringObject(f"{AUTHOR}.txt"),
                    _name("/Desc"): TextStringObject(f"envoyé par {AUTHOR}"),
                    _name("/EF"): DictionaryObject({_name("/F"): joined}),
                }
            ),
        }
    )
    note = writer._add_object(
        DictionaryObject(
            {
                _name("/Type"): _name("/Annot"),
                _name("/Subtype"): _name("/Text"),
                _name("/Rect"): _rect(30, 0, 50, 20),
                _name("/T"): TextStringObject(AUTHOR),
                _name("/Contents"): TextStringObject(f"Relu par {AUTHOR}"),
                _name("/RC"): TextStringObject(
                    f"<body><p>Relu par {AUTHOR}</p></body>"
                ),
            }
        )
    )
    popup = writer._add_object(
        DictionaryObject(
            {
                _name("/Type"): _name("/Annot"),
                _name("/Subtype"): _name("/Popup"),
                _name("/Rect"): _rect(60, 0, 160, 60),
                _name("/Parent"): note,
                _name("/T"): TextStringObject(AUTHOR),
            }
        )
    )
    note.get_object()[_name("/Popup")] = popup
    link = DictionaryObject(
        {
            _name("/Type"): _name("/Annot"),
            _name("/Subtype"): _name("/Link"),
            _name("/Rect"): _rect(200, 0, 250, 20),
            _name("/A"): DictionaryObject(
                {
                    _name("/S"): _name("/URI"),
                    _name("/URI"): TextStringObject("https://beta.gouv.fr/"),
                }
            ),
        }
    )
    page[_name("/Annots")] = ArrayObject(
        [writer._add_object(attachment), note, popup, writer._add_object(link)]
    )
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def everything_in(pdf):
    """Every object of ``pdf`` as text, its streams decompressed."""
    reader = PdfReader(io.BytesIO(pdf))
    texts = []
    numbers = {n for by_generation in reader.xref.values() for n in by_generation}
    numbers |= set(reader.xref_objStm)
    for number in sorted(numbers):
        obj = reader.get_object(IndirectObject(number, 0, reader))
        texts.append(str(obj))
        if isinstance(obj, StreamObject):
            texts.append(obj.get_data().decode("latin-1"))
    return "\n".join(texts)


@pytest.fixture
def dossier(form_page):
    return CandidatureFactory(
        page=form_page,
        status="eligible",
        applicant_name="Dominique Durand",
        applicant_email="dominique.durand@example.gouv.fr",
        administration="Commune de Villeneuve",
        service="",
    )


@pytest.fixture
def hidden(dossier):
    content = pdf_hiding_its_author()
    assert AUTHOR in everything_in(content)
    assert AUTHOR.encode() in content
    return CandidatureAttachment.objects.create(
        candidature=dossier,
        field_name="pieces_jointes",
        file=ContentFile(content, name="attestation.pdf"),
        original_name="attestation.pdf",
        content_type="application/pdf",
        size=len(content),
        sha256="0" * 64,
        scan_state="clean",
    )


@pytest.mark.parametrize("blind", [False, True])
def test_a_joined_pdf_enters_the_book_without_what_it_hides(
    client, programme_client, call, dossier, hidden, blind
):
    review_round = ReviewRound.objects.create(
        call=call, kind="preselection", blind=blind
    )
    review_round.candidatures.add(dossier)
    url = f"/admin/exports/tours/{review_round.pk}/cahier-du-jury/?pieces=1"
    if blind:
        alice = member_of("Jury", "alice", "alice@jury.example.org")
        RoundMember.objects.create(round=review_round, user=alice)
        client.force_login(alice)
        response = client.get(url + "&membre=moi")
    else:
        response = programme_client.get(url)
    assert response.status_code == 200
    book = response.content
    assert AUTHOR not in everything_in(book)
    assert AUTHOR.encode() not in book
    reader = PdfReader(io.BytesIO(book))
    added = [p for p in reader.pages if SHOWN in p.extract_text()]
    assert len(added) == 1, "the page joined is in the book"
    page = added[0]
    drawn = page["/Resources"]["/XObject"]
    assert drawn["/Im1"].get_object().get_data() == b"\x80", "its image is drawn"
    inner = drawn["/Fm1"].get_object()["/Resources"]["/XObject"]["/Inner"]
    assert inner.get_object().get_data() == b"\x40"
    subtypes = [a.get_object()["/Subtype"] for a in page.get("/Annots", [])]
    assert subtypes == ["/Text", "/Link"], "no joined file, no pop-up"
    link = page["/Annots"][1].get_object()
    assert link["/A"]["/URI"] == "https://beta.gouv.fr/"
