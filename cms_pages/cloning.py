"""« Dupliquer pour une nouvelle session »: a call copied for next season.

The copy keeps what the team wrote — the call's text, its criteria, its FAQ
pages, its form and the form's texts — and nothing that happened: no
candidature, round, evaluation or history is a child of the page, so none is
copied, nor are the page's revisions. Every date moves by the interval the
team chose: the page's date and date-time fields and the dates inside its
StreamFields (the timeline of key dates), in Paris time, so that « 23:59 »
stays 23:59 across a change of summer time. The copy and its children are
drafts: nothing is published, scheduled or locked.

References need nothing: they are numbered per site and per year of the
call's opening (``forms.services.next_reference``), so a call moved to next
year starts its own sequence, and one kept in the same year continues the
site's without ever reusing a number.
"""

import datetime as dt
import re
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify
from wagtail import blocks
from wagtail.fields import StreamField
from wagtail.models import Page

# What a copy never inherits from the page it was made from.
FRESH_ATTRS = {
    "go_live_at": None,
    "expire_at": None,
    "expired": False,
    "locked": False,
    "locked_by": None,
    "locked_at": None,
}
_YEAR = re.compile(r"\b(19|20)\d{2}\b")


def shift(value, months=0, days=0):
    """A date or date-time moved by ``months`` then ``days``; None stays None."""
    if value is None:
        return None
    delta = relativedelta(months=months, days=days)
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):  # Paris, not the admin user's own time zone
            paris = ZoneInfo(settings.TIME_ZONE)
            local = timezone.localtime(value, paris).replace(tzinfo=None) + delta
            return timezone.make_aware(local, paris)
        return value + delta
    return value + delta


def _shift_raw(block, raw, months, days):
    """The JSON of one block's value, with every date in it moved."""
    if raw is None or raw == "":
        return raw
    if isinstance(block, (blocks.DateBlock, blocks.DateTimeBlock)):
        value = block.to_python(raw)
        return block.get_prep_value(shift(value, months, days))
    if isinstance(block, blocks.StructBlock):
        return {
            name: _shift_raw(block.child_blocks[name], value, months, days)
            if name in block.child_blocks
            else value
            for name, value in raw.items()
        }
    if isinstance(block, blocks.ListBlock):
        return [
            {
                **item,
                "value": _shift_raw(block.child_block, item["value"], months, days),
            }
            if isinstance(item, dict) and item.get("type") == "item"
            else _shift_raw(block.child_block, item, months, days)
            for item in raw
        ]
    if isinstance(block, blocks.StreamBlock):
        return [
            {
                **child,
                "value": _shift_raw(
                    block.child_blocks[child["type"]], child["value"], months, days
                ),
            }
            if child.get("type") in block.child_blocks
            else child
            for child in raw
        ]
    return raw


def shift_fields(obj, months=0, days=0):
    """Move the dates of a copied child object (a form field's bounds…), in place."""
    for field in obj._meta.concrete_fields:
        if isinstance(field, (models.DateField, models.DateTimeField)):
            value = getattr(obj, field.attname)
            if value is not None:
                setattr(obj, field.attname, shift(value, months, days))


def shifted_dates(page, months=0, days=0):
    """The attributes of ``page`` (specific) that hold dates, moved: for ``update_attrs``."""
    attrs = {}
    own_fields = {field.name for field in Page._meta.fields}
    for field in type(page)._meta.concrete_fields:
        if field.name in own_fields or not field.editable:
            continue
        value = getattr(page, field.attname)
        if isinstance(field, (models.DateField, models.DateTimeField)):
            if value is not None:
                attrs[field.attname] = shift(value, months, days)
        elif isinstance(field, StreamField):
            raw = list(value.raw_data)
            moved = _shift_raw(field.stream_block, raw, months, days)
            if moved != raw:
                attrs[field.attname] = moved
    return attrs


def next_title(title, months):
    """« Appel 2026 » → « Appel 2027 » for a shift of whole years; else unchanged."""
    years, rest = divmod(months, 12)
    if rest or not years:
        return title
    return _YEAR.sub(lambda match: str(int(match.group(0)) + years), title)


def free_slug(parent, wanted):
    """``wanted``, or ``wanted-2``, ``-3``… : the first slug no child of ``parent`` has."""
    base = slugify(wanted)[:240] or "appel"
    taken = set(parent.get_children().values_list("slug", flat=True))
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return slug


def _copy(page, to, user, months, days, update_attrs=None):
    specific = page.specific
    attrs = {
        **FRESH_ATTRS,
        **shifted_dates(specific, months, days),
        **(update_attrs or {}),
    }
    copy = specific.copy(
        to=to,
        update_attrs=attrs,
        copy_revisions=False,
        keep_live=False,
        user=user,
        recursive=False,
        process_child_object=lambda _page, _copy, _relation, child: shift_fields(
            child, months, days
        ),
    )
    for child in page.get_children().order_by("path"):
        _copy(child, copy, user, months, days)
    return copy


def clone_call(call, *, to, title, slug, months=12, days=0, user=None):
    """A draft copy of ``call`` and its pages under ``to``, every date moved.

    Wagtail's copy checks that ``user`` may add it there (``CopyPagePermissionError``).
    All or nothing: one transaction.
    """
    with transaction.atomic():
        return _copy(
            call,
            to,
            user,
            months,
            days,
            update_attrs={"title": title, "draft_title": title, "slug": slug},
        )
