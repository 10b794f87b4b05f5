"""The pages the communications team edits, and the per-site identity.

``identity`` (who runs a site), ``base`` (what every page has), ``call`` (a
call and its FAQ), ``criteria`` (a call's criteria), ``closing`` (a call's
closing date and the rules of moving it), ``pages`` (home, programme, news).
Migrations and other apps import from here.
"""

from .base import IntroductionMixin
from .call import (
    LAUREATE_LISTS,
    PUBLICATION_REFUSED,
    CallPage,
    CallPageForm,
    CallStatus,
    FaqPage,
    next_call_transition,
)
from .closing import CANDIDATURES_RECEIVED
from .criteria import (
    CRITERIA_LOCKS,
    CRITERION_FIELDS,
    SelectionCriterion,
    criteria_lock,
    parse_levels,
)
from .identity import (
    OnOneSiteByDefault,
    SiteGroup,
    SiteIdentity,
    Theme,
    beta_gouv_id_validator,
    default_investigation_weeks,
    default_theme,
    only_site,
)
from .media import DocumentScan, ImageScan, scan_of
from .pages import (
    HomePage,
    NewsArticlePage,
    NewsArticleTag,
    NewsIndexPage,
    ProgrammePage,
    ProgrammePhase,
)

__all__ = [
    "CANDIDATURES_RECEIVED",
    "CRITERIA_LOCKS",
    "CRITERION_FIELDS",
    "LAUREATE_LISTS",
    "PUBLICATION_REFUSED",
    "CallPage",
    "CallPageForm",
    "CallStatus",
    "DocumentScan",
    "FaqPage",
    "HomePage",
    "ImageScan",
    "IntroductionMixin",
    "NewsArticlePage",
    "NewsArticleTag",
    "NewsIndexPage",
    "OnOneSiteByDefault",
    "next_call_transition",
    "ProgrammePage",
    "ProgrammePhase",
    "SelectionCriterion",
    "SiteGroup",
    "SiteIdentity",
    "Theme",
    "criteria_lock",
    "beta_gouv_id_validator",
    "default_investigation_weeks",
    "default_theme",
    "only_site",
    "parse_levels",
    "scan_of",
]
