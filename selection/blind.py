"""A round « à l'aveugle »: its members read the dossiers without who sent them.

What identifies the applicant, and is hidden from the members (never from the
programme team):

- the identity block every candidature form starts with: name, address,
  administration and service (the candidature's own fields);
- the answers to a field that reaches or names someone, whoever it is: an
  « adresse électronique », a « téléphone », a postal address, a team, a SIRET
  or SIREN number (it names the establishment, so the administration);
- any mention of the name (or one of its words), the address, the
  administration or the service inside the other answers, replaced by
  « [masqué] », and of those answers' values (a phone number written again in
  a text, with or without its spaces).

Files joined to a dossier are still listed and may be opened: they are the
applicant's own documents and may carry their identity; the member is told so.
Their names are masked like the answers (« CV_[masqué].pdf »): an underscore
separates words there as a space does in a sentence. A file's name is masked
with the same terms wherever a member meets it (the dossier's screen and PDF,
the jury book, the staff API, the download and the page that refuses it, the
ZIP and its index): ``blind_file_terms`` gives them, ``blind_file_name`` uses them.
The likely conflict of interest is still computed on the real identity, and
the member is only told that there is one, not why.
"""

import re
import unicodedata
from types import SimpleNamespace

from django.utils.translation import gettext as _

from forms.choices import FieldType

MIN_TERM = 3  # shorter words (« Le », « de ») would mask half the text


def masked():
    return _("[masqué]")


def identity_terms(candidature):
    """What to look for in the answers, longest first (the full name before its words)."""
    name = (candidature.applicant_name or "").strip()
    terms = {
        name,
        (candidature.applicant_email or "").strip(),
        (candidature.administration or "").strip(),
        (candidature.service or "").strip(),
        *re.split(r"[\s'’-]+", name),
    }
    return sorted((t for t in terms if len(t) >= MIN_TERM), key=len, reverse=True)


def _without_accents(text):
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _masked_words(text, terms, boundary):
    if not text or not terms:
        return text
    # A Mac may send « É » as E + a combining accent: compared composed (NFC);
    # and « Helene Lefevre » names Hélène Lefèvre: each term without its
    # accents is looked for too.
    text = unicodedata.normalize("NFC", text)
    terms = [unicodedata.normalize("NFC", t) for t in terms]
    terms = sorted({*terms, *map(_without_accents, terms)}, key=len, reverse=True)
    words = "|".join(re.escape(t) for t in terms)
    pattern = re.compile(rf"(?<!{boundary})(?:{words})(?!{boundary})", re.IGNORECASE)
    return pattern.sub(masked(), text)


def mask_text(text, terms):
    return _masked_words(text, terms, r"\w")


def mask_file_name(name, terms):
    """A file's name without the applicant's identity: « CV_Camille_Martin.pdf »
    gives « CV_[masqué]_[masqué].pdf » (an underscore separates words too)."""
    return _masked_words(name, terms, r"[^\W_]")


def blind_file_name(name, file_terms):
    """A file's name as a member of a blind round reads it, wherever he reads it:
    ``file_terms`` from ``blind_file_terms``."""
    terms, numbers = file_terms
    return _without_numbers(mask_file_name(name, terms), numbers)


def _without_numbers(text, numbers):
    """``text`` with the identifying numbers (``_number_patterns``) masked."""
    for number in numbers:
        text = number.sub(masked(), text)
    return text


def blind_files(attachments, file_terms):
    """The files of an answer as a blind round lists them: masked names, same ids."""
    return [
        SimpleNamespace(
            pk=a.pk,
            original_name=blind_file_name(a.original_name, file_terms),
            size=a.size,
            content_type=a.content_type,
            scan_state=a.scan_state,
            is_servable=a.is_servable,
            is_pending=a.is_pending,
            is_quarantined=a.is_quarantined,
            get_scan_state_display=a.get_scan_state_display,
        )
        for a in attachments
    ]


# Answers that reach or name someone: hidden whole.
IDENTIFYING_TYPES = frozenset(
    {
        FieldType.EMAIL,
        FieldType.PHONE,
        FieldType.SIRET,
        FieldType.SIREN,
        FieldType.ADDRESS,
        FieldType.GROUP,
    }
)


def _answer_terms(answers):
    """The values of the identifying answers, as they may be written again elsewhere:
    as given, and for a number with its spaces, dots or dashes dropped
    (« 06 12 34 56 78 » is also looked for as « 0612345678 »)."""
    terms = set()
    for answer in answers:
        if answer["type"] not in IDENTIFYING_TYPES:
            continue
        for value in (answer.get("display"), answer.get("value")):
            if not isinstance(value, str) or len(value.strip()) < MIN_TERM:
                continue
            terms.add(value.strip())
    return terms


def _number_patterns(answers):
    """The numbers among the identifying answers (a phone, a SIRET), found however
    they are written again: « 0612345678 », « 06 12 34 56 78 », « 06.12.34.56.78 »."""
    patterns = []
    for answer in answers:
        if answer["type"] not in (FieldType.PHONE, FieldType.SIRET, FieldType.SIREN):
            continue
        digits = re.sub(r"\D", "", str(answer.get("value") or ""))
        if len(digits) >= MIN_TERM:
            separated = r"[\s._\-]?".join(digits)  # « _ » in a file's name
            patterns.append(re.compile(rf"(?<!\d){separated}(?!\d)"))
    return patterns


def blind_file_terms(candidature, answers=None):
    """What hides the applicant in the names of a candidature's files, for every
    place a member of a blind round meets one: the identity, the values of the
    identifying answers and their numbers however written (``blind_file_name``).
    ``answers``: the candidature's, when the caller already has them."""
    answers = list(candidature.answers() if answers is None else answers)
    terms = sorted(
        {*identity_terms(candidature), *_answer_terms(answers)}, key=len, reverse=True
    )
    return terms, _number_patterns(answers)


def blind_text(text, blind_terms):
    """A text about a candidature as a member of a blind round reads it (an
    answer, what another member or the team wrote): ``blind_terms`` from
    ``blind_file_terms``, the identity and the identifying answers' values and
    numbers however written."""
    if not text:
        return text
    terms, numbers = blind_terms
    return _without_numbers(mask_text(text, terms), numbers)


def blind_answers(candidature, answers):
    """The answers as a member of a blind round reads them."""
    answers = list(answers)
    file_terms = blind_file_terms(candidature, answers)
    rows = []
    for answer in answers:
        if answer["type"] in IDENTIFYING_TYPES:
            answer = {**answer, "value": masked(), "display": masked()}
        elif answer["type"] == FieldType.FILE:
            files = blind_files(answer["value"], file_terms)
            display = ", ".join(f.original_name for f in files)
            answer = {**answer, "value": files, "display": display}
        else:
            display = blind_text(answer["display"], file_terms)
            answer = {**answer, "value": display, "display": display}
        rows.append(answer)
    return rows


def likely_conflict_notice(reason, blind):
    """What a member is told of a likely conflict: the reason, unless the round is blind."""
    if not reason or not blind:
        return reason
    return _("signalé d'après votre profil (le détail est masqué : tour à l'aveugle)")
