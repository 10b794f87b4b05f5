"""Ties in a round's ranking are broken by reference, as the documents show them."""

import pytest
from django.utils import timezone

from selection.models import Evaluation
from selection.scoring import Aggregate, ranking, round_aggregates

pytestmark = pytest.mark.django_db


def test_the_same_scores_in_another_order_tie_and_go_by_reference(
    review_round, jurors, dossiers
):
    """Two dossiers given the same three scores, in another order, have the same
    mean (the database's sum may differ in its last bit): the earlier reference
    comes first, on the ranking page as in the exports."""
    first, second = dossiers[0], dossiers[1]
    given = {first: (70.1, 60.3, 80.2), second: (70.1, 80.2, 60.3)}
    for dossier, scores in given.items():
        for juror, score in zip(jurors, scores, strict=False):
            evaluation = Evaluation.objects.create(
                round=review_round,
                candidature=dossier,
                member=juror,
                scores={},
                submitted_at=timezone.now(),
            )
            Evaluation.objects.filter(pk=evaluation.pk).update(weighted=score)
    ranked = [c for c in ranking(review_round) if c.pk in (first.pk, second.pk)]
    assert [Aggregate.of(c).mean for c in ranked] == [70.2, 70.2]
    assert [c.reference for c in ranked] == [first.reference, second.reference]
    aggregates = [
        a.candidature.reference
        for a in round_aggregates(review_round)
        if a.candidature.pk in (first.pk, second.pk)
    ]
    assert aggregates == [first.reference, second.reference]
