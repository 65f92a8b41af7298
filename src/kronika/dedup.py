"""Within one article, mentions of one happening become one event.

Merging is conservative: a missed merge leaves two records of one happening, a wrong merge loses
an event. Mentions merge when type and language agree, their actors name the same country, and
place and date do not disagree; a section heading merges into the event it repeats and is dropped
when it repeats none.
"""
from __future__ import annotations

from .records import Event


def _compatible(a, b) -> bool:
    return a is None or b is None or a == b


def _same_place(a, b) -> bool:
    if a is None or b is None:
        return True
    if a.geonameid and b.geonameid and a.geonameid == b.geonameid:
        return True
    return (a.resolution == "country" or b.resolution == "country") and a.country == b.country


def _same_date(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a.startswith(b) or b.startswith(a)


def _close(a: Event, b: Event, window: int = 400) -> bool:
    """Mentions told within a few sentences of each other (a character window)."""
    return abs(a.sentence.start - b.sentence.start) <= window


def mergeable(a: Event, b: Event) -> bool:
    if a.event_type != b.event_type or a.language != b.language or not _compatible(a.mode, b.mode):
        return False
    heading = a.sentence.heading or b.sentence.heading
    codes = [(x.actor.code if x.actor else None) for x in (a, b)]
    if not heading and (codes[0] is None or codes[0] != codes[1]):
        return False
    if heading and not _compatible(*codes):
        return False
    rec = [(x.recipient.code if x.recipient else None) for x in (a, b)]
    if not heading and abs(a.sentence.start - b.sentence.start) > 0 and not _close(a, b):
        return False  # one actor's two requests far apart in an article may well be two requests
    return _compatible(*rec) and _same_place(a.location, b.location) and _same_date(a.date, b.date)


def merge_events(events: list[Event]) -> list[Event]:
    """Group mentions into events; the first mention in the body is the evidence."""
    groups: list[list[Event]] = []
    for ev in events:
        for g in groups:
            if all(mergeable(ev, other) for other in g):
                g.append(ev)
                break
        else:
            groups.append([ev])
    out = []
    for g in groups:
        body = [e for e in g if not e.sentence.heading]
        if not body:
            continue  # a heading that repeats no event of the body
        main = body[0]
        for other in g:
            if other is main:
                continue
            for attr in ("actor", "recipient", "location", "source", "mode"):
                if getattr(main, attr) is None and getattr(other, attr) is not None:
                    setattr(main, attr, getattr(other, attr))
                    if attr == "location":
                        main.location_text = other.location_text
            for kind, n in other.size.items():
                if main.size.get(kind) is None and n is not None:
                    main.size[kind] = n
            if (main.date is None or len(main.date) < len(other.date or "")) and other.date:
                main.date, main.date_text = other.date, other.date_text
            main.mentions.append(other)
        out.append(main)
    out.sort(key=lambda e: e.sentence.start)
    return out


