"""beta.gouv.fr's check of startup fiches, re-implemented in Python for the tests.

The rules come from, in github.com/betagouv/beta.gouv.fr at the commit named
in ``fixtures/beta_gouv/*.txt``:

- ``ci/tests-fiches.mjs``: each ``content/_startups/*.md`` is read with
  gray-matter (YAML front matter between ``---`` lines, parsed by js-yaml's
  safe schema, where ``2026-01-05`` is a date and ``'2026-01-05'`` a string)
  and its data parsed with the schema of ``ci/startups.mjs``; any issue fails
  the CI;
- ``ci/startups.mjs``: the zod schema and its ``superRefine`` (types of each
  key, sponsors among ``content/_organisations``, co-incubators among
  ``content/_incubators``, phases read unconditionally, unique, each end after
  its start);
- ``lib/models/startup.rb`` and ``_plugins/phases.rb``: the phase names the
  site knows (an unknown one breaks the Jekyll build: ``PHASE_LABELS_MAP[phase]``
  is nil);
- ``content/_events``: the event names the site knows (their labels), and
  ``fast`` and ``eig``, which it shows as badges (``_plugins/startup.rb``)
  and espace-membre offers (``StartupEvent`` in ``src/models/startup.ts``);
- ``content/_incubators`` and ``_plugins/incubators.rb``: ``incubator`` is an
  incubator's id (the site lists a product under that incubator's page);
- ``schema/startups.yml`` (the older kwalify schema of ``make validate``):
  ``contact`` matches ``/@/``;

and from github.com/betagouv/espace-membre-next (which now writes the fiches),
``src/models/startup.ts``: name and pitch (title, mission) at least one
character, the description (the body) at least 30 (``check_new_fiche``: four
older fiches have a shorter body, one none).

Run over the 662 fiches of that commit, ``check_front_matter`` and
``check_site_rules`` find nothing, as beta.gouv.fr's CI.
"""

import datetime as dt
from functools import cache
from pathlib import Path

import yaml

FIXTURES = Path(__file__).parent / "fixtures" / "beta_gouv"

# Event names the site shows without a file in content/_events.
BADGE_EVENTS = frozenset({"fast", "eig"})


@cache
def ids(kind):
    """The ids of ``content/_<kind>`` in the snapshot kept as a fixture."""
    lines = (FIXTURES / f"{kind}.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and line[0] != "#")


def split(text):
    """gray-matter's reading: the front matter's data and the body."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip("\r\n") != "---":
        return {}, text
    for index, line in enumerate(lines[1:], start=1):
        if line.rstrip("\r\n") == "---":
            data = yaml.safe_load("".join(lines[1:index])) or {}
            return data, "".join(lines[index + 1 :])
    raise ValueError("front matter not closed")


def _is_str(value):
    return isinstance(value, str)


def _is_bool(value):
    return isinstance(value, bool)


def _is_number(value):  # z.number(): not a boolean, not NaN
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and value == value
    )


def _is_date(value):  # z.date(): a JS Date, which js-yaml makes of a timestamp
    return isinstance(value, dt.date)


def _check(errors, path, ok, message):
    if not ok:
        errors.append(f"{path}: {message}")
    return ok


def _dated(errors, path, value):
    return _check(errors, path, _is_date(value), f"expected date, received {value!r}")


def _named_and_dated(errors, path, item, date_key):
    """An event or a phase: an object with a string ``name`` and a date at ``date_key``."""
    if not _check(errors, path, isinstance(item, dict), "object"):
        return False
    _check(errors, f"{path}/name", _is_str(item.get("name")), "string")
    _dated(errors, f"{path}/{date_key}", item.get(date_key))
    return True


def _optional(data, key, test, errors, nullable=False, what="string"):
    if key not in data:
        return
    value = data[key]
    if value is None and nullable:
        return
    _check(errors, key, test(value), f"expected {what}, received {value!r}")


def _list_of(value, test):
    return isinstance(value, list) and all(test(item) for item in value)


def check_front_matter(data):
    """The issues ``ci/startups.mjs`` (and the site) find in a fiche's data."""
    errors = []
    if not isinstance(data, dict):
        return ["front matter is not a mapping"]
    # z.object: required strings (ci/startups.mjs).
    for key in ("title", "mission", "incubator", "contact"):
        _check(errors, key, _is_str(data.get(key)), "required string")
    # sponsors: z.array(z.enum(`/organisations/${id}`)).optional()
    if "sponsors" in data:
        sponsors = data["sponsors"]
        known = {f"/organisations/{i}" for i in ids("organisations")}
        if _check(errors, "sponsors", isinstance(sponsors, list), "expected array"):
            for index, sponsor in enumerate(sponsors):
                _check(
                    errors,
                    f"sponsors/{index}",
                    sponsor in known,
                    f"invalid enum value {sponsor!r}",
                )
    # incubators: z.array(z.enum(incubatorsIds)).min(2).optional(), and refined.
    if "incubators" in data:
        incubators = data["incubators"]
        if _check(errors, "incubators", isinstance(incubators, list), "expected array"):
            _check(errors, "incubators", len(incubators) >= 2, "at least 2")
            for index, incubator in enumerate(incubators):
                _check(
                    errors,
                    f"incubators/{index}",
                    incubator in ids("incubators"),
                    f"invalid enum value {incubator!r}",
                )
            _check(
                errors,
                "incubators",
                data.get("incubator") in incubators,
                "incubator is missing from incubators",
            )
            _check(
                errors,
                "incubators",
                len(incubators) == len(set(map(str, incubators))),
                "Duplicated incubators",
            )
    for key in (
        "link",
        "repository",
        "dashlord_url",
        "stats_url",
        "budget_url",
        "analyse_risques_url",
    ):
        _optional(data, key, _is_str, errors, nullable=True)
    _optional(data, "accessibility_status", _is_str, errors)
    for key in ("stats", "analyse_risques", "mon_service_securise"):
        _optional(data, key, _is_bool, errors, nullable=True, what="boolean")
    for key in ("techno", "usertypes", "thematiques", "redirect_from"):
        _optional(
            data,
            key,
            lambda v: _list_of(v, _is_str),
            errors,
            what="array of strings",
        )
    if "fast" in data:
        fast = data["fast"]
        _check(
            errors,
            "fast",
            isinstance(fast, dict)
            and _is_number(fast.get("promotion"))
            and _is_number(fast.get("montant")),
            "expected {promotion: number, montant: number}",
        )
    # events: z.array(z.object({name: z.string(), date: z.date()})).optional()
    if "events" in data:
        events = data["events"]
        if _check(errors, "events", isinstance(events, list), "expected array"):
            for index, event in enumerate(events):
                _named_and_dated(errors, f"events/{index}", event, "date")
    # phases: typed in z.object, then read by superRefine whether present or
    # not (``obj.phases.length``: a fiche without phases crashes the check).
    phases = data.get("phases")
    if _check(errors, "phases", isinstance(phases, list), "required array"):
        for index, phase in enumerate(phases):
            path = f"phases/{index}"
            if not _named_and_dated(errors, path, phase, "start"):
                continue
            if phase.get("end") is not None:
                _dated(errors, f"{path}/end", phase["end"])
            if phase.get("comment") is not None:
                _check(errors, f"{path}/comment", _is_str(phase["comment"]), "string")
        if not errors:  # superRefine runs on valid data only (zod aborts before)
            names = [phase["name"] for phase in phases]
            _check(errors, "phases", len(names) == len(set(names)), "Duplicated phases")
            for phase in phases:
                if phase.get("end"):
                    _check(
                        errors,
                        "phases",
                        phase["end"] > phase["start"],
                        "Phase.end should be after phase.start",
                    )
    return errors


def check_site_rules(data):
    """What the site needs beyond the CI's schema."""
    errors = []
    for index, phase in enumerate(data.get("phases") or []):
        _check(
            errors,
            f"phases/{index}/name",
            phase.get("name") in ids("phases"),
            f"unknown phase {phase.get('name')!r} (lib/models/startup.rb)",
        )
    for index, event in enumerate(data.get("events") or []):
        _check(
            errors,
            f"events/{index}/name",
            event.get("name") in ids("events") | BADGE_EVENTS,
            f"unknown event {event.get('name')!r} (content/_events)",
        )
    _check(
        errors,
        "incubator",
        data.get("incubator") in ids("incubators"),
        "not an incubator id (content/_incubators)",
    )
    _check(
        errors, "contact", "@" in str(data.get("contact", "")), "pattern /@/"
    )  # schema/startups.yml
    return errors


def check_new_fiche(data, body):
    """What espace-membre asks of a fiche it writes (``src/models/startup.ts``)."""
    errors = []
    for key in ("title", "mission"):  # name, pitch: .min(1)
        _check(errors, key, bool(str(data.get(key) or "").strip()), "empty")
    # description: .min(30)
    _check(errors, "body", len(body.strip()) >= 30, "under 30 characters")
    return errors


def check_fiche(text):
    """Every issue of a whole fiche file: the CI's, then the site's."""
    try:
        data, body = split(text)
    except (ValueError, yaml.YAMLError) as error:
        return [f"front matter: {error}"]
    return (
        check_front_matter(data) + check_site_rules(data) + check_new_fiche(data, body)
    )
