"""A member's weighted score of a dossier: the formula, apart from the models.

The weighted mean of the criterion scores, each brought to 0–100 on its own
scale, so that a criterion scored out of 5 and another out of 10 weigh as
their weights say. The models keep it beside the scores
(``Evaluation.weighted``); ``selection.scoring`` ranks with it.
"""


def criteria_of(call):
    return list(call.criteria.all())


def scorer(criteria):
    """``weighted_score`` for these criteria, read once: for scoring many evaluations."""
    parts = [
        (str(c.pk), float(c.weight), c.scale_min, c.scale_max - c.scale_min)
        for c in criteria
    ]
    total_weight = sum(weight for _key, weight, _low, _span in parts)

    def score(scores):
        if not parts or not total_weight:
            return None
        acc = 0.0
        for key, weight, low, span in parts:
            value = scores.get(key)
            if value is None:
                return None
            acc += weight * (float(value) - low) / span
        return round(100 * acc / total_weight, 2)

    return score


def weighted_score(scores, criteria):
    """0–100, or None when a criterion is missing."""
    return scorer(criteria)(scores)
