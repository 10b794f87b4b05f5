"""The calendar of the investigations: a page by month, and each user's private feed."""

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cms_pages.sites import active
from core.views import AdminPage

from .calendar import events, to_ics
from .models import CalendarFeed
from .permissions import investigations_for
from .services import renew_calendar_key
from .views import require

MONTHS_SHOWN = 3


def month_of(text, today):
    """The first day of the month « 2027-01 » names; this month if it names none."""
    try:
        year, month = (int(part) for part in (text or "").split("-"))
        return dt.date(year, month, 1)
    except ValueError:
        return today.replace(day=1)


class CalendarView(AdminPage):
    """The coming checkpoints and committees of the team's investigations, month by month."""

    template_name = "investigations/calendar.html"
    page_title = gettext_lazy("Calendrier des investigations")
    header_icon = "date"

    def dispatch(self, request, *args, **kwargs):
        require(request.user, "view")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        first = month_of(self.request.GET.get("mois"), today)
        until = first + relativedelta(months=MONTHS_SHOWN)
        found = events(investigations_for(self.request.user), since=first, until=until)
        months = []
        for index in range(MONTHS_SHOWN):
            start = first + relativedelta(months=index)
            end = start + relativedelta(months=1)
            months.append(
                {
                    "first": start,
                    "events": [e for e in found if start <= e.date < end],
                }
            )
        context.update(
            months=months,
            today=today,
            previous=(first - relativedelta(months=MONTHS_SHOWN)).strftime("%Y-%m"),
            next=until.strftime("%Y-%m"),
        )
        return context


class MyCalendarView(AdminPage):
    """The user's private calendar address: shown, created or renewed."""

    template_name = "investigations/my_calendar.html"
    page_title = gettext_lazy("Mon agenda des investigations")
    header_icon = "date"

    def dispatch(self, request, *args, **kwargs):
        require(request.user, "view")
        return super().dispatch(request, *args, **kwargs)

    def parents(self):
        return [
            (reverse("investigations_calendar"), _("Calendrier des investigations"))
        ]

    def post(self, request, *args, **kwargs):
        renew_calendar_key(request.user)
        return redirect("investigations_my_calendar")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        feed = CalendarFeed.objects.filter(user=self.request.user).first()
        context["feed_url"] = (
            self.request.build_absolute_uri(
                reverse("investigations_calendar_feed", args=[feed.key])
            )
            if feed
            else None
        )
        return context


def calendar_feed(request, key):
    """The private feed (text/calendar): a wrong or renewed key, or a user gone, is 404."""
    feed = CalendarFeed.objects.select_related("user").filter(key=key).first()
    if feed is None or not active(feed.user):
        raise Http404
    if not feed.user.has_perm("investigations.view_investigation"):
        raise Http404
    since = timezone.localdate() - relativedelta(years=1)
    body = to_ics(
        events(investigations_for(feed.user), since=since),
        name=_("Investigations"),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="investigations.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
