"""Tagged PDFs drawn apart, put end to end as one tagged PDF, then numbered.

A long document (the jury book) is drawn in parts, each kept by the digest of
its HTML (``core.pdf.reused_pdfs``): a part that did not change is not drawn
again. ``join`` puts the parts' pages one after the other in one PDF/UA-1
document, as WeasyPrint would have drawn the whole:

- the first part gives the document its catalogue: title, language,
  ``/MarkInfo``, viewer preferences, XMP metadata;
- every part's structure elements go, in order, under the first part's
  ``Document`` element; the parent tree of each later part is shifted past
  the earlier ones (``/StructParents`` of its pages, ``/StructParent`` of its
  links), so that each tag still names the page it is drawn on;
- table header cells keep ids unique in the whole document (WeasyPrint numbers
  them per document), their data cells' ``/Headers`` renamed alike;
- a later part's bookmarks go under the document's title (the first part's
  last top-level bookmark), as its headings would;
- named destinations are merged, a later part's replacing an earlier one's
  of the same name (a contents page drawn apart links to anchors that stand
  in for the parts to come).

``overlay`` (an untagged PDF with as many pages) is then laid on each page
as an artifact: the page numbers and running footer, which only the whole
document knows. ``numbered_overlay`` builds it from a two-page sample drawn
by WeasyPrint (its label's glyphs copied into each page), so that its cost
does not grow with the pages. Pages are copied by pikepdf (qpdf): about a tenth of pypdf's
time on a 300-page book (docs/performance.md).
"""

import io

import pikepdf
from pikepdf import Array, Dictionary, Name, String


def _renamed_header_ids(pdf, prefix):
    """Make the table header cells' ``/ID`` (and the ``/Headers`` naming them)
    unique: WeasyPrint counts them from 1 in every document it draws."""
    for obj in pdf.objects:
        if not isinstance(obj, Dictionary) or "/S" not in obj:
            continue
        if "/ID" in obj:
            obj.ID = String(prefix + str(obj.ID))
        attributes = obj.get("/A")
        if isinstance(attributes, Dictionary) and "/Headers" in attributes:
            attributes.Headers = Array(
                [String(prefix + str(header)) for header in attributes.Headers]
            )


def page_count(content):
    """How many pages a PDF has."""
    with pikepdf.open(io.BytesIO(content)) as pdf:
        return len(pdf.pages)


def _named_destinations(pdf):
    """The document's named destinations (a name tree: flat as WeasyPrint
    writes it, or in ``/Kids``)."""
    names = pdf.Root.get("/Names")
    if names is None or "/Dests" not in names:
        return {}
    found = {}

    def walk(node):
        flat = node.get("/Names", Array())
        for i in range(0, len(flat), 2):
            found[str(flat[i])] = flat[i + 1]
        for kid in node.get("/Kids", Array()):
            walk(kid)

    walk(names.Dests)
    return found


def _kids(element):
    """An element's ``/K`` as an array (a lone kid may be written bare)."""
    kids = element.get("/K")
    if kids is None:
        element.K = kids = Array()
    elif not isinstance(kids, Array):
        element.K = kids = Array([kids])
    return kids


def _parent_keys(numbers):
    return [int(numbers[i]) for i in range(0, len(numbers), 2)]


def _append_outlines(outlines, first_item, count):
    """Put the bookmarks from ``first_item`` on (``count`` of them shown) after
    the children of the last top-level bookmark of ``outlines``: a part's
    headings sit one level under the document's title (its one ``h1``, in the
    first part), as in the document drawn whole. Without a bookmark yet, they
    go at the top."""
    parent = outlines.get("/Last", outlines)
    item = first_item
    while True:
        item.Parent = parent
        if "/Next" not in item:
            break
        item = item.Next
    if "/Last" in parent:
        parent.Last.Next = first_item
        first_item.Prev = parent.Last
    else:
        parent.First = first_item
    parent.Last = item
    open_parent = int(parent.get("/Count", 0)) >= 0
    if parent is not outlines:
        shown = int(parent.get("/Count", 0))
        parent.Count = shown + count if open_parent else shown - count
    if open_parent:
        outlines.Count = int(outlines.get("/Count", 0)) + count


def _overlay(pdf, overlay, start):
    """Lay page i of ``overlay`` on page i of ``pdf`` from page ``start`` (0 the
    first), marked as an artifact. The page's own drawing is closed first
    (``q … Q``): WeasyPrint's turns the page upside down and leaves it so."""
    stamps = pikepdf.open(io.BytesIO(overlay))
    if len(stamps.pages) != len(pdf.pages):
        raise ValueError("the overlay has not as many pages as the document")
    for page, stamp in zip(pdf.pages[start:], stamps.pages[start:], strict=True):
        form = pdf.copy_foreign(stamp.as_form_xobject())
        name = page.add_resource(form, Name.XObject, prefix="Amorce")
        page.contents_add(pdf.make_stream(b"q\n"), prepend=True)
        page.contents_add(
            pdf.make_stream(b"\nQ /Artifact BMC q " + bytes(name) + b" Do Q EMC"),
            prepend=False,
        )


def join(parts, overlay=None, overlay_from=0):
    """``parts`` (tagged PDFs, as bytes) as one tagged PDF; see the module.
    ``overlay_from``: the first page ``overlay`` is laid on (1: not the cover)."""
    if not parts:
        raise ValueError("nothing to join")
    pdf = pikepdf.open(io.BytesIO(parts[0]))
    tree = pdf.Root.StructTreeRoot
    document = _kids(tree)[0]
    numbers = tree.ParentTree.Nums
    names = _named_destinations(pdf)
    outlines = pdf.Root.get("/Outlines")
    for index, content in enumerate(parts[1:], start=1):
        other = pikepdf.open(io.BytesIO(content))
        _renamed_header_ids(other, f"p{index}-")
        other_tree = other.Root.StructTreeRoot
        other_numbers = other_tree.ParentTree.Nums
        shift = max(_parent_keys(numbers), default=-1) + 1
        kept = len(pdf.pages)
        pdf.pages.extend(other.pages)  # first: the copied tags point to these copies

        def copied(obj, other=other):
            return pdf.copy_foreign(
                obj if obj.is_indirect else other.make_indirect(obj)
            )

        for element in _kids(_kids(other_tree)[0]):
            if isinstance(element, int):
                raise ValueError("content marked straight under a part's Document")
            element = copied(element)
            element.P = document
            _kids(document).append(element)
        for i in range(0, len(other_numbers), 2):
            numbers.append(int(other_numbers[i]) + shift)
            numbers.append(copied(other_numbers[i + 1]))
        for page in pdf.pages[kept:]:
            if "/StructParents" in page.obj:
                page.obj.StructParents = int(page.obj.StructParents) + shift
            for annotation in page.obj.get("/Annots", []):
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + shift
        for name, destination in _named_destinations(other).items():
            names[name] = copied(destination)
        other_outlines = other.Root.get("/Outlines")
        if other_outlines is not None and "/First" in other_outlines:
            if outlines is None:
                outlines = pdf.Root.Outlines = pdf.make_indirect(
                    Dictionary(Type=Name.Outlines, Count=0)
                )
            _append_outlines(
                outlines,
                copied(other_outlines.First),
                int(other_outlines.get("/Count", 0)),
            )
    tree.ParentTreeNextKey = max(_parent_keys(numbers), default=-1) + 1
    if names:
        flat = Array()
        for name in sorted(names):
            flat.append(String(name))
            flat.append(names[name])
        if "/Names" not in pdf.Root:
            pdf.Root.Names = Dictionary()
        pdf.Root.Names.Dests = Dictionary(Names=flat)
    if overlay is not None:
        _overlay(pdf, overlay, overlay_from)
    output = io.BytesIO()
    pdf.save(output, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return output.getvalue()


#: The characters a page label is made of, besides its prefix and separator.
DIGITS = "0123456789"


def sample_label(prefix, separator):
    """The label the sample shows: every character a label may need, ending
    with a digit as every label does (a trailing space would hang past the
    right edge the labels end on)."""
    return f"{prefix}{DIGITS}{separator}{DIGITS[0]}"


def _cid_widths(font):
    """A Type0 font's glyph widths by code, in thousandths of its size."""
    descendant = font.DescendantFonts[0]
    default = float(descendant.get("/DW", 1000))
    widths = {}
    entries = list(descendant.get("/W", []))
    i = 0
    while i < len(entries):
        first = int(entries[i])
        if isinstance(entries[i + 1], Array):
            for offset, width in enumerate(entries[i + 1]):
                widths[first + offset] = float(width)
            i += 2
        else:
            for code in range(first, int(entries[i + 1]) + 1):
                widths[code] = float(entries[i + 2])
            i += 3
    return widths, default


def _codes(string):
    raw = bytes(string)
    return [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2)]


def _glyph_runs(shown):
    """The glyph codes of a ``TJ`` operand, each with the shift that follows it
    (thousandths of the size: WeasyPrint's gap between the shaped advance and
    the font's width, kerning included)."""
    pieces = shown if isinstance(shown, Array) else Array([shown])
    runs = []
    for piece in pieces:
        if isinstance(piece, String):
            runs.extend([code, 0.0] for code in _codes(piece))
        elif runs:
            runs[-1][1] += float(piece)
        else:
            return None  # a shift before any glyph: not a label WeasyPrint wrote
    return runs


def _span(runs, widths, default, size):
    return sum(widths.get(code, default) - shift for code, shift in runs) / 1000 * size


def numbered_overlay(sample, total, prefix, separator, cover=True):
    """The page numbers and running footer of a ``total``-page document, built
    from ``sample`` rather than drawn page by page (``cms_pages.pdf``).

    ``sample``: an untagged PDF of two pages drawn by WeasyPrint: the running
    footer (beside the label box, hidden), then the label box alone showing
    ``sample_label(prefix, separator)`` on one line. Each page of the result
    lays the footer (one form, the same on every page) and its own label,
    « Page 12 / 307 »: the sample's label drawn again with the glyphs of its
    own characters, each followed by the shift it had in the sample, ending
    where the sample's ends (the box is right-aligned). The first page has
    no label when ``cover``, nor footer. ``None`` when the sample is not
    drawn as this reads it (one text run in one Type0 font, one glyph a
    character, no spacing or scaling set): the caller then draws the numbers
    page by page.
    """
    with pikepdf.open(io.BytesIO(sample)) as pdf:
        if len(pdf.pages) != 2:
            return None
        footer, label = pdf.pages
        operations = list(pikepdf.parse_content_stream(label))
        operators = [str(op.operator) for op in operations]
        texts = [i for i, name in enumerate(operators) if name in ("TJ", "Tj")]
        matrices = [i for i, name in enumerate(operators) if name == "Tm"]
        fonts = [operations[i] for i, name in enumerate(operators) if name == "Tf"]
        unsupported = {"Tc", "Tw", "Tz", "TL", "Ts", "T*", "Td", "TD", "'", '"', "Do"}
        if (
            len(texts) != 1
            or len(matrices) != 1
            or len(fonts) != 1
            or not matrices[0] < texts[0]
            or unsupported.intersection(operators)
        ):
            return None
        font_name, size = fonts[0].operands
        font = label.Resources.Font.get(str(font_name))
        if font is None or font.get("/Subtype") != Name.Type0:
            return None
        if str(font.get("/Encoding")) != "/Identity-H":
            return None
        widths, default = _cid_widths(font)
        size = float(size)
        runs = _glyph_runs(operations[texts[0]].operands[0])
        text = sample_label(prefix, separator)
        if runs is None or len(runs) != len(text):
            return None
        glyphs = {}
        for character, run in zip(text, runs, strict=True):
            if glyphs.setdefault(character, run)[0] != run[0]:
                return None  # a character drawn by two glyphs: shaped, not spelt
        matrix = [float(value) for value in operations[matrices[0]].operands]
        if matrix[0] != 1 or matrix[1] != 0:
            return None
        right = matrix[4] + _span(runs, widths, default, size)

        footer_form = footer.as_form_xobject()
        resources = Dictionary(label.Resources)
        resources.XObject = Dictionary(
            {
                **dict(label.Resources.get("/XObject", {}).items()),
                "/AmorceFooter": footer_form,
            }
        )
        resources = pdf.make_indirect(resources)
        width, height = (float(value) for value in label.MediaBox[2:])
        for index in range(total):
            page = pdf.add_blank_page(page_size=(width, height))
            if index == 0 and cover:
                continue
            number = f"{prefix}{index + 1}{separator}{total}"
            drawn = [glyphs[character] for character in number]
            shown = Array()
            for code, shift in drawn:
                shown.append(String(code.to_bytes(2, "big")))
                shown.append(shift)
            moved = list(operations)
            moved[matrices[0]] = pikepdf.ContentStreamInstruction(
                [*matrix[:4], right - _span(drawn, widths, default, size), matrix[5]],
                pikepdf.Operator("Tm"),
            )
            moved[texts[0]] = pikepdf.ContentStreamInstruction(
                [shown], pikepdf.Operator("TJ")
            )
            page.Resources = resources
            page.Contents = pdf.make_stream(
                b"q /AmorceFooter Do Q q\n"
                + pikepdf.unparse_content_stream(moved)
                + b"\nQ"
            )
        del pdf.pages[:2]
        output = io.BytesIO()
        pdf.save(output, deterministic_id=True)
        return output.getvalue()
