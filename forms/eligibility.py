"""Eligibility questions: an answer that ends the form, with its explanation, asked first.

A question of the form (a list, radio buttons or a checkbox) names the
answers that make an applicant ineligible and the explanation to give
(« Ce programme s'adresse aux agents publics »). The form page asks these
questions alone first; a refusal is counted, per form, question and day, with
nothing about the person. The full form and the API check them again: an
excluding answer is refused with the explanation, however it was sent.
"""

from django.utils.translation import gettext_lazy as _

from .choices import FieldType
from .conditions import _norm, comparable, possible_answers, values_of

ELIGIBILITY_TYPES = {FieldType.DROPDOWN, FieldType.RADIO, FieldType.CHECKBOX}


def rule_of(field):
    """(excluding answers, explanation) of a question (model), or None."""
    values = values_of(field.eligibility_values)
    if not values:
        return None
    return values, field.eligibility_message.strip()


def excluded(rule, value):
    """Whether this answer is one the rule excludes."""
    wanted = {_norm(v) for v in rule[0]}
    return any(answer in wanted for answer in comparable(value))


def eligibility_errors(fields):
    """{index: {option: message}} for the questions (models, form order) whose rule cannot hold."""
    errors = {}
    for index, field in enumerate(fields):
        values = values_of(field.eligibility_values)
        message = (field.eligibility_message or "").strip()
        if not values:
            if message:
                errors[index] = {
                    "eligibility_values": _(
                        "Une explication sans réponse : donnez la ou les réponses qui "
                        "rendent inéligible."
                    )
                }
            continue
        if field.field_type not in ELIGIBILITY_TYPES:
            errors[index] = {
                "eligibility_values": _(
                    "Une question d'éligibilité est une liste déroulante, des boutons "
                    "radio ou une case à cocher."
                )
            }
            continue
        choices = possible_answers(field)
        normalised = {_norm(c) for c in choices}
        unknown = [v for v in values if _norm(v) not in normalised]
        if unknown:
            errors[index] = {
                "eligibility_values": _(
                    "« %(value)s » n'est pas une réponse possible à cette question."
                )
                % {"value": unknown[0]}
            }
        elif normalised <= {_norm(v) for v in values}:
            errors[index] = {
                "eligibility_values": _(
                    "Toutes les réponses rendraient inéligible : personne ne pourrait candidater."
                )
            }
        elif not message:
            errors[index] = {
                "eligibility_message": _(
                    "Dites à la personne pourquoi le programme ne lui est pas ouvert."
                )
            }
        elif field.condition_field:
            errors[index] = {
                "condition_field": _(
                    "Une question d'éligibilité est toujours posée : retirez sa condition."
                )
            }
    return errors
