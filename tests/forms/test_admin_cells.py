"""The candidature list's cells, written from Python (``forms.admin_cells``), are
the HTML their templates wrote: Wagtail's own cell templates for the title, the
plain values and the date, and the list's former templates for the status and
the duplicate (kept here as the reference)."""

import copy
import datetime as dt

import pytest
from django.template import Context, Template
from django.test.html import parse_html
from django.utils import timezone, translation
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn

from forms.admin_cells import (
    DuplicateColumn,
    HumanDateColumn,
    LinkedTitleColumn,
    PlainColumn,
    StatusColumn,
)
from forms.choices import Status
from forms.factories import CandidatureFactory

pytestmark = pytest.mark.django_db

CONTEXT = {"row": None, "table": None, "request": None}

STATUS_TEMPLATE = Template(
    '{% load wagtailadmin_tags %}<td class="{% if column.classname %}'
    '{{ column.classname }} {% endif %}">{% status instance.get_status_display '
    'classname="w-status--primary" %}</td>'
)
DUPLICATE_TEMPLATE = Template(
    '{% load i18n wagtailadmin_tags %}<td class="amorce-duplicate{% if '
    'column.classname %} {{ column.classname }}{% endif %}">{% if '
    "instance.shares_email or instance.shares_identity %}{% translate "
    '"Doublon possible" as label %}{% status label classname="w-status--label" %}'
    '<div class="w-help-text">{% if instance.shares_email and '
    'instance.shares_identity %}{% translate "même adresse électronique, même nom '
    'et même administration" %}{% elif instance.shares_email %}{% translate '
    '"même adresse électronique" %}{% elif instance.shares_identity %}{% translate '
    '"même nom et même administration" %}{% endif %}</div>{% endif %}</td>'
)


@pytest.fixture(autouse=True)
def french():
    with translation.override("fr"):
        yield


@pytest.fixture
def candidatures(form_page):
    now = timezone.now()
    made = [
        CandidatureFactory(
            page=form_page,
            applicant_name='<b>Élise & "Léo"</b>',
            administration="",
            status=Status.PRESELECTED,
            submit_time=now - dt.timedelta(days=3, hours=2),
        ),
        CandidatureFactory(
            page=form_page,
            applicant_name="Jean Dupont",
            administration="Ministère <de> l'Essai",
            submit_time=now - dt.timedelta(seconds=20),
        ),
    ]
    # Each of the four duplicate flags' cases, on names to escape or empty.
    flags = [(True, True), (True, False), (False, True), (False, False)]
    cases = []
    for candidature, (email, identity) in zip(made * 2, flags, strict=True):
        case = copy.copy(candidature)
        case.shares_email, case.shares_identity = email, identity
        cases.append(case)
    return cases


def same_html(ours, theirs):
    assert parse_html(ours) == parse_html(theirs), (ours, theirs)


@pytest.mark.parametrize("classname", [None, "amorce-wide"])
def test_each_cell_is_the_html_of_its_template(candidatures, classname):
    pairs = [
        (
            PlainColumn("applicant_name", classname=classname),
            Column("applicant_name", classname=classname),
        ),
        (
            PlainColumn("administration", classname=classname),
            Column("administration", classname=classname),
        ),
        (PlainColumn("call", classname=classname), Column("call", classname=classname)),
        (PlainColumn("pk", classname=classname), Column("pk", classname=classname)),
        (
            LinkedTitleColumn(
                "reference", url_name="candidatures:inspect", classname=classname
            ),
            TitleColumn(
                "reference", url_name="candidatures:inspect", classname=classname
            ),
        ),
        (
            HumanDateColumn("submit_time", classname=classname),
            DateColumn("submit_time", classname=classname),
        ),
        (
            HumanDateColumn("notification_sent_at", classname=classname),
            DateColumn("notification_sent_at", classname=classname),
        ),
    ]
    status = StatusColumn("status", classname=classname)
    duplicate = DuplicateColumn("duplicate", classname=classname)
    for candidature in candidatures:
        for ours, wagtails in pairs:
            same_html(
                ours.render_cell_html(candidature, CONTEXT),
                wagtails.render_cell_html(candidature, CONTEXT),
            )
        for column, template in (
            (status, STATUS_TEMPLATE),
            (duplicate, DUPLICATE_TEMPLATE),
        ):
            same_html(
                column.render_cell_html(candidature, CONTEXT),
                template.render(Context({"column": column, "instance": candidature})),
            )


def test_the_cells_escape_what_was_typed(candidatures):
    candidature = candidatures[0]
    html = PlainColumn("applicant_name").render_cell_html(candidature, CONTEXT)
    assert "<b>" not in html
    assert "&lt;b&gt;Élise &amp; &quot;Léo&quot;&lt;/b&gt;" in html
