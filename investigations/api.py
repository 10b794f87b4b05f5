"""Published learnings in the API: what investigations chose to share."""

import datetime as dt

from ninja import Router, Schema

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
        .prefetch_related("organisations")
        .order_by("-starts_on")
    ]
