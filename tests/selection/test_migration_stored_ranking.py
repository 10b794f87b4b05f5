"""The kept ranking arrives on a database already scored: nothing is lost, every
round starts with no kept ranking (computed at its first page), and the
triggers move its version from then on.

The database is taken back to before the kept ranking (selection 0016), a
round is scored there as the old code wrote it, then migrated forward.
"""

import pytest
from django.utils import timezone

from forms.factories import CandidatureFactory
from selection.models import Evaluation, RankedDossier, ReviewRound, RoundScores
from selection.scoring import RankedRows, ranking
from tests.migrating import migrate, migrate_to_latest

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE = [("selection", "0016_evaluation_scored_index")]
AFTER = [("selection", "0017_stored_ranking")]


def test_a_scored_round_is_ranked_after_the_migration_as_before(call, form_page):
    dossiers = CandidatureFactory.create_batch(4, page=form_page, status="eligible")
    try:
        old = migrate(BEFORE)
        OldRound = old.get_model("selection", "ReviewRound")
        OldEvaluation = old.get_model("selection", "Evaluation")
        User = old.get_model("auth", "User")
        jurors = [User.objects.create(username=f"ancien{i}") for i in range(2)]
        round_ = OldRound.objects.create(call_id=call.pk, kind="preselection")
        round_.candidatures.add(*[d.pk for d in dossiers])
        for i, dossier in enumerate(dossiers[:3]):
            for j, juror in enumerate(jurors):
                OldEvaluation.objects.create(
                    round=round_,
                    candidature_id=dossier.pk,
                    member=juror,
                    scores={},
                    weighted=10.0 * (i + 1) + j,
                    submitted_at=timezone.now(),
                )

        migrate(AFTER)
        review_round = ReviewRound.objects.get(pk=round_.pk)
        version = RoundScores.objects.get(round=review_round)
        assert version.ranked_version is None, "no kept ranking yet"
        assert not RankedDossier.objects.filter(round=review_round).exists()

        def page():
            rows = RankedRows(review_round, count=4)[0:100]
            return [(c.rank, c.pk, c.scored) for c in rows]

        live = [
            (rank, c.pk, c.scored)
            for rank, c in enumerate(ranking(review_round), start=1)
        ]
        assert page() == live
        assert [pk for _rank, pk, _scored in live[:3]] == [
            d.pk for d in reversed(dossiers[:3])
        ]
        assert Evaluation.objects.count() == 6, "every evaluation kept"

        # From now on, the triggers tell the kept ranking it is stale.
        Evaluation.objects.filter(candidature=dossiers[0]).update(weighted=95)
        assert page()[0][1] == dossiers[0].pk
    finally:
        migrate_to_latest()
