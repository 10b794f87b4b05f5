"""Every read of personal data through a staff token, in Wagtail's history.

Logged on the token itself (action ``amorce.staffapi.read``): its owner, the
token, the route, the references read (or how many), when. Administrators read
it in the token's history and in Wagtail's « Historique du site ».
"""

from wagtail.log_actions import log

READ = "amorce.staffapi.read"
LISTED = 100  # references written in full per entry; past it, their count


def log_read(request, references, *, count=None):
    """Record that ``request.auth`` (the token) read these objects."""
    references = [str(r) for r in references]
    log(
        request.auth,
        READ,
        user=request.user,
        data={
            "route": request.get_full_path(),
            "token": request.auth.prefix,
            "count": len(references) if count is None else count,
            "references": references[:LISTED],
        },
    )
