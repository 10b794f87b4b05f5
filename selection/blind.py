"""A round « à l'aveugle »: its members read the dossiers without who sent them.

What identifies the applicant, and is hidden from the members (never from the
programme team):

- the identity block every candidature form starts with: name, address,
  administration and service (the candidature's own fields);
- the answers to a field of the « adresse électronique » kind, whoever's
  address it is;
- any mention of the name (or one of its words), the address, the
  administration or the service inside the other answers, replaced by
  « [masqué] ».

Files joined to a dossier are still listed and may be opened: they are the
applicant's own documents and may carry their identity; the member is told so.
Their names are masked like the answers (« CV_[masqué].pdf »): an underscore
separates words there as a space does in a sentence.
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


def blind_files(attachments, terms):
    """The files of an answer as a blind round lists them: masked names, same ids."""
    return [
        SimpleNamespace(
            pk=a.pk,
            original_name=mask_file_name(a.original_name, terms),
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


def blind_answers(candidature, answers):
    """The answers as a member of a blind round reads them."""
    terms = identity_terms(candidature)
    rows = []
    for answer in answers:
        # An address or a team (names, emails) says who applied: hidden whole.
        if answer["type"] in (FieldType.EMAIL, FieldType.ADDRESS, FieldType.GROUP):
            answer = {**answer, "value": masked(), "display": masked()}
        elif answer["type"] == FieldType.FILE:
            files = blind_files(answer["value"], terms)
            display = ", ".join(f.original_name for f in files)
            answer = {**answer, "value": files, "display": display}
        else:
            display = mask_text(answer["display"], terms)
            answer = {**answer, "value": display, "display": display}
        rows.append(answer)
    return rows


def likely_conflict_notice(reason, blind):
    """What a member is told of a likely conflict: the reason, unless the round is blind."""
    if not reason or not blind:
        return reason
    return _("signalé d'après votre profil (le détail est masqué : tour à l'aveugle)")
