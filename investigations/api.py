"""Published learnings in the API: what investigations chose to share."""

import datetime as dt

from ninja import Router, Schema
from wagtail.models import Site

from .models import Investigation

router = Router(tags=["investigations"])


class LearningOut(Schema):
    slug: str
    title: str
    problem_statement: str
    organisations: list[str]
    outcome: str
    starts_on: dt.date
    learnings: str


@router.get(
    "/", response=list[LearningOut], summary="Enseignements publiés des investigations"
)
def published_learnings(request):
    """The learnings of the site the request is addressed to."""
    return [
        LearningOut(
            slug=i.slug,
            title=i.title,
            problem_statement=i.problem_statement,
            organisations=[o.name for o in i.organisations.all()],
            outcome=i.outcome,
            starts_on=i.starts_on,
            learnings=i.learnings,
        )
        for i in Investigation.objects.published()
        .for_site(Site.find_for_request(request))
        .prefetch_related("organisations")
        .order_by("-starts_on")
    ]
