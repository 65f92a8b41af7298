"""Filters over stored events, validated in one place: the CLI and the HTTP API accept and refuse
the same values with the same words.

>>> make_filters(since="2022-01-05", country="kz").country
'KZ'
>>> make_filters(since="2022-13-01")
Traceback (most recent call last):
kronika.filters.FilterError: since '2022-13-01' is not a date; write YYYY-MM-DD, e.g. 2022-01-05
"""
from __future__ import annotations

import datetime
import functools
import re
from dataclasses import dataclass
from typing import Callable

from .errors import KronikaError

EVENT_TYPES = ("AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST", "ACCUSE",
               "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT")
GROUPINGS = ("cluster", "mention", "story")
MAX_KM = 20_000.0
MAX_TEXT = 200
_LANG = re.compile(r"[a-z]{2}")


class FilterError(KronikaError):
    """A filter value that cannot be used; the message names the value and what is accepted."""


@dataclass(frozen=True)
class Filters:
    since: str | None = None  # YYYY-MM-DD
    until: str | None = None
    country: str | None = None  # ISO 3166 alpha-2, upper case
    event_type: str | None = None  # PLOVER type, upper case
    actor: str | None = None  # a code (RUS) or part of a name
    near: tuple[float, float] | None = None  # (lat, lon)
    km: float = 50.0
    text: str | None = None  # words of the evidence sentence
    lang: str | None = None  # language of the report
    undated: bool = False  # only events with no date
    added_since: str | None = None  # only events of articles stored at or after this UTC time (ISO 8601)


def make_filters(since: str | None = None, until: str | None = None, country: str | None = None,
                 event_type: str | None = None, actor: str | None = None, near: str | tuple | None = None,
                 km: float = 50.0, text: str | None = None, lang: str | None = None, undated: bool = False,
                 added_since: str | None = None, resolve_place: Callable[[str], tuple[float, float] | None] | None = None) -> Filters:
    """Checked filters; raises FilterError. `near` is "LAT,LON", a (lat, lon) pair or a place name,
    which `resolve_place` turns into a point (None: no such place)."""
    since, until = check_date("since", since), check_date("until", until)  # since after until: nothing passes
    if country:
        country = check_country(country)
    if event_type:
        event_type = check_type(event_type)
    if lang and not _LANG.fullmatch(lang):
        raise FilterError(f"lang {lang!r} is not a language code; use two lower-case letters, e.g. pl")
    if actor is not None and len(actor) > 100:
        raise FilterError(f"actor {actor[:40]!r}... is too long; give a code (RUS) or part of a name")
    actor = actor.strip() if actor and actor.strip() else None
    if text is not None and len(text) > MAX_TEXT:
        raise FilterError(f"text is {len(text)} characters, over the {MAX_TEXT} limit; give a few words")
    if not (0 < km <= MAX_KM):
        raise FilterError(f"km {km} is out of range; give a radius over 0 and at most {MAX_KM:.0f}")
    point = check_near(near, resolve_place) if near is not None else None
    return Filters(since, until, country, event_type, actor or None, point, float(km), text or None, lang or None,
                   bool(undated), check_time("added_since", added_since))


def check_date(name: str, value: str | None) -> str | None:
    if value is None or value == "":
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        return datetime.date.fromisoformat(value).isoformat()
    except ValueError:
        raise FilterError(f"{name} {value!r} is not a date; write YYYY-MM-DD, e.g. 2022-01-05") from None


def check_time(name: str, value: str | None) -> str | None:
    """A moment as the store writes them (UTC, ISO 8601 to the second); a time without a zone is UTC.

    >>> check_time("added_since", "2026-12-05T10:00:00+01:00")
    '2026-12-05T09:00:00+00:00'
    """
    if value is None or value == "":
        return None
    try:
        t = datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise FilterError(f"{name} {value[:40]!r} is not a time; write ISO 8601, e.g. 2026-12-05T09:00:00Z") from None
    if t.tzinfo is None:
        t = t.replace(tzinfo=datetime.UTC)
    return t.astimezone(datetime.UTC).isoformat(timespec="seconds")


def check_type(value: str) -> str:
    up = value.strip().upper()
    if up not in EVENT_TYPES:
        raise FilterError(f"type {value!r} is not a PLOVER event type; use one of {', '.join(EVENT_TYPES)}")
    return up


def country_codes() -> list[str]:
    """Every ISO 3166 alpha-2 code a filter accepts, sorted."""
    return sorted(_alpha2())


def check_country(value: str) -> str:
    up = value.strip().upper()
    if up not in _alpha2():
        raise FilterError(f"country {value!r} is not an ISO 3166 alpha-2 code; use two letters, e.g. UA or KZ")
    return up


def check_grouping(value: str) -> str:
    if value not in GROUPINGS:
        raise FilterError(f"per {value!r} is not a grouping; use cluster (one row per real-world event), story "
                          f"(one row per unfolding situation) or mention")
    return value


def check_near(value, resolve_place=None) -> tuple[float, float]:
    if isinstance(value, tuple):
        lat, lon = value
    else:
        parts = value.split(",")
        try:
            lat, lon = (float(x) for x in parts)
        except ValueError:
            point = resolve_place(value.strip()) if resolve_place and value.strip() else None
            if point is None:
                raise FilterError(f"near {value!r} is no place kronika knows; give a place name or LAT,LON") from None
            lat, lon = point
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise FilterError(f"near {lat},{lon} is not a point; latitude is -90..90 and longitude -180..180")
    return (lat, lon)


@functools.lru_cache(maxsize=1)
def _alpha2() -> frozenset[str]:
    import pycountry

    return frozenset(c.alpha_2 for c in pycountry.countries) | {"XK"}  # Kosovo: in use, not in ISO
