"""Dates: explicit dates anywhere in the article, weekdays and relative words in each sentence,
resolved against the article date or, where that is only a month, full dates elsewhere in the text.
"""
from __future__ import annotations

import datetime as dt
import functools
import re


from .lexicon import data_path, load_yaml
from .records import UNKNOWN_TIME, DateRef, Doc, Sentence, TimeSpan

ISO = re.compile(r"\b(20\d\d|19\d\d)-(\d\d)-(\d\d)\b")
DOTTED = re.compile(r"\b(\d{1,2})\.\s?(\d{1,2})\.\s?(20\d\d|19\d\d)\b")
_DIGIT = re.compile(r"\d")


@functools.lru_cache(maxsize=1)
def _calendar():
    data = load_yaml(data_path("calendar.yaml"))
    months = {lang: {w: i + 1 for i, forms in enumerate(ms) for w in forms} for lang, ms in data["months"].items()}
    weekdays = {lang: {w: i for i, forms in enumerate(ws) for w in forms} for lang, ws in data["weekdays"].items()}
    relative: dict[str, dict[str, list[tuple[tuple[str, ...], int]]]] = {}
    for lang, rel in data["relative"].items():
        for k, v in rel.items():
            words = tuple(k.split())
            relative.setdefault(lang, {}).setdefault(words[0], []).append((words, v))
    return months, weekdays, relative


@functools.lru_cache(maxsize=1)
def _span_words() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]], dict[str, tuple[tuple[str, ...], ...]]]:
    data = load_yaml(data_path("calendar.yaml"))
    ranges = {lang: frozenset(ws) for lang, ws in data["range_words"].items()}
    since = {lang: frozenset(ws) for lang, ws in data["since_words"].items()}
    weekend = {lang: tuple(tuple(w.split()) for w in ws) for lang, ws in data["weekend_words"].items()}
    return ranges, since, weekend


@functools.lru_cache(maxsize=None)
def _month_regex(lang: str) -> re.Pattern | None:
    months = _calendar()[0].get(lang)
    if not months:
        return None
    names = "|".join(sorted((re.escape(m) for m in months), key=len, reverse=True))
    # "6 stycznia 2022", "6. ledna 2022", "January 6, 2022", "6 January", "6 января 2022 года",
    # "6 de enero de 2022"
    return re.compile(rf"(?i)\b(?:(\d{{1,2}})\.?\s+(?:de\s+)?({names})\b\.?(?:,?\s+(?:de\s+|del\s+)?(\d{{4}}))?"
                      rf"|({names})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?)")


def _valid(y: int, m: int, d: int) -> str | None:
    try:
        return dt.date(y, m, d).isoformat()
    except ValueError:
        return None


@functools.lru_cache(maxsize=1)
def calendar_words() -> frozenset[str]:
    """Month and weekday words of every language: never names of places."""
    months, weekdays, _ = _calendar()
    return frozenset(w for table in (months, weekdays) for per in table.values() for w in per)


def explicit_dates(text: str, lang: str, offset: int = 0, year: int | None = None) -> list[DateRef]:
    """Full dates written out in `text`; a date without a year takes `year`, if given."""
    out: list[DateRef] = []
    if not _DIGIT.search(text):
        return out  # every form below has a number in it: most sentences have none
    for m in ISO.finditer(text):
        v = _valid(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if v:
            out.append(DateRef(m.start() + offset, m.end() + offset, m.group(), v))
    for m in DOTTED.finditer(text):
        v = _valid(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        if v:
            out.append(DateRef(m.start() + offset, m.end() + offset, m.group(), v))
    # characters inside a date found so far: a look-up, where a scan of the dates would make the
    # whole-article pass grow with the square of its length
    covered = {k for d in out for k in range(d.start, d.end)}
    months = _calendar()[0]
    for lg in dict.fromkeys((lang, "en")):
        rx = _month_regex(lg)
        if rx is None:
            continue
        for m in rx.finditer(text):
            if m.group(1):
                day, month, y = int(m.group(1)), months[lg][m.group(2).lower()], m.group(3)
            else:
                day, month, y = int(m.group(5)), months[lg][m.group(4).lower()], m.group(6)
            yy = int(y) if y else year
            if yy is None:
                continue
            v = _valid(yy, month, day)
            if v and m.start() + offset not in covered:
                out.append(DateRef(m.start() + offset, m.end() + offset, m.group(), v))
                covered.update(range(m.start() + offset, m.end() + offset))
    return out


def reference_date(article_date: str | None, anchors: list[str]) -> dt.date | None:
    """The day relative words are counted from: the article's date, or the latest full date in
    the article that agrees with the article's month or year."""
    if article_date and len(article_date) == 10:
        return dt.date.fromisoformat(article_date)
    fitting = [a for a in anchors if not article_date or a.startswith(article_date)]
    return dt.date.fromisoformat(max(fitting)) if fitting else None


def sentence_dates(sent: Sentence, ref: dt.date | None, article_date: str | None) -> list[DateRef]:
    """Dates a sentence gives: explicit ones, weekdays and relative words, resolved against `ref`."""
    lang = sent.lang
    year = ref.year if ref else (int(article_date[:4]) if article_date else None)
    out = explicit_dates(sent.text, lang, sent.start, year)
    _, weekdays, relative = _calendar()
    wd = weekdays.get(lang, {})
    rel = relative.get(lang, {})
    toks = sent.tokens
    joins = _span_words()[0].get(lang, frozenset())
    last_weekday = -10
    for k, t in enumerate(toks):
        forms = (t.lower, *t.lemmas[:2])
        day = next((wd[f] for f in forms if f in wd), None)
        if day is not None and k - last_weekday <= 2 and not any(x.lower in joins for x in toks[last_weekday + 1:k]):
            continue  # "ze środy na czwartek", "с среды на четверг": a night is dated by its start
        if day is not None:
            last_weekday = k
            value = None
            if ref is not None:
                back = (ref.weekday() - day) % 7
                value = (ref - dt.timedelta(days=back)).isoformat()
            elif article_date:
                value = article_date
            if value:
                out.append(DateRef(t.start, t.end, t.text, value))
            continue
        options = rel.get(t.lower) or (rel.get(t.lemmas[0]) if t.lemmas else None) or ()
        for words, shift in options:
            n = len(words)
            if tuple(x.lower for x in toks[k:k + n]) == words or (n == 1 and t.lemmas[:1] == (words[0],)):
                if ref is not None:
                    out.append(DateRef(t.start, toks[k + n - 1].end, sent.text[t.start - sent.start:toks[k + n - 1].end - sent.start],
                                       (ref + dt.timedelta(days=shift)).isoformat()))
                break
    if not (article_date and len(article_date) >= 4) and year is not None:
        out = [_weekday_year(d, toks, wd, year) for d in out]
    out.sort(key=lambda d: d.start)
    return _ranges(sent, out, ref)


def _ranges(sent: Sentence, found: list[DateRef], ref: dt.date | None) -> list[DateRef]:
    """Two days joined by a range word ("od środy do piątku", "5–7 May") become one range; a day
    after "since" runs to the reference day; "over the weekend" is the last Saturday and Sunday."""
    ranges, since, weekend = _span_words()
    lang = sent.lang
    joins, starts = ranges.get(lang, frozenset()), since.get(lang, frozenset())
    toks = sent.tokens
    out: list[DateRef] = []
    for d in found:
        prev = out[-1] if out else None
        between = sent.text[prev.end - sent.start:d.start - sent.start].strip().lower() if prev else ""
        if (prev is not None and prev.until is None and len(prev.value) == len(d.value) == 10 and prev.value < d.value
                and between and (between in joins or between in ("-", "–", "—")) and
                (dt.date.fromisoformat(d.value) - dt.date.fromisoformat(prev.value)).days <= 62):
            out[-1] = DateRef(prev.start, d.end, sent.text[prev.start - sent.start:d.end - sent.start], prev.value, d.value)
            continue
        out.append(d)
    if ref is not None:
        for i, d in enumerate(out):
            before = [t for t in toks if t.end <= d.start][-1:]
            if (d.until is None and len(d.value) == 10 and before and before[0].lower in starts
                    and d.value < ref.isoformat() and d.start - before[0].end <= 1):
                out[i] = DateRef(before[0].start, d.end, sent.text[before[0].start - sent.start:d.end - sent.start],
                                 d.value, ref.isoformat())
        for k, t in enumerate(toks):
            for words in weekend.get(lang, ()):
                if tuple(x.lower for x in toks[k:k + len(words)]) == words:
                    sunday = ref - dt.timedelta(days=(ref.weekday() - 6) % 7)
                    end = toks[k + len(words) - 1].end
                    if not any(x.start <= t.start < x.end for x in out):
                        out.append(DateRef(t.start, end, sent.text[t.start - sent.start:end - sent.start],
                                           (sunday - dt.timedelta(days=1)).isoformat(), sunday.isoformat()))
        out.sort(key=lambda d: d.start)
    return out


REPORT_LAG_DAYS = 3  # what an article reports as past without a day happened at most this long before it


def time_span(d: DateRef | None, article_date: str | None) -> TimeSpan:
    """The interval an event dated by `d` (a date of the text), or, without one, by the article's
    date, stands for (see records.TimeSpan)."""
    if d is not None:
        if d.until:
            return TimeSpan(d.value, d.until, "range")
        return _calendar_span(d.value)
    if article_date and len(article_date) == 10:
        day = dt.date.fromisoformat(article_date)
        return TimeSpan((day - dt.timedelta(days=REPORT_LAG_DAYS)).isoformat(), article_date, "reported")
    if article_date:
        return _calendar_span(article_date)
    return UNKNOWN_TIME


def _calendar_span(value: str) -> TimeSpan:
    """A day, a month (YYYY-MM) or a year as an interval of days."""
    parts = [int(x) for x in value.split("-")]
    if len(parts) == 3:
        return TimeSpan(value, value, "day")
    if len(parts) == 2:
        first = dt.date(parts[0], parts[1], 1)
        last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        return TimeSpan(first.isoformat(), last.isoformat(), "month")
    return TimeSpan(f"{parts[0]:04d}-01-01", f"{parts[0]:04d}-12-31", "year")


def span_of_value(value: str | None) -> TimeSpan:
    """The interval of a stored `date` value alone (records written before spans existed)."""
    try:
        return _calendar_span(value) if value else UNKNOWN_TIME
    except ValueError:
        return UNKNOWN_TIME


_YEAR = re.compile(r"\d{4}")


def _weekday_year(d: DateRef, toks, weekdays: dict, year: int) -> DateRef:
    """A day and month without a year in an undated article, next to a weekday ("в понедельник,
    9 июля"): the year, near the article's other dates, in which that day is that weekday."""
    if _YEAR.search(d.text) or len(d.value) != 10:
        return d
    near = [t for t in toks if 0 <= d.start - t.end <= 20 or 0 <= t.start - d.end <= 3]
    day = next((weekdays[f] for t in near for f in (t.lower, *t.lemmas[:2]) if f in weekdays), None)
    if day is None:
        return d
    month, dom = int(d.value[5:7]), int(d.value[8:10])
    for y in sorted(range(year - 7, year + 2), key=lambda y: (abs(y - year), -y)):
        v = _valid(y, month, dom)
        if v and dt.date.fromisoformat(v).weekday() == day:
            return DateRef(d.start, d.end, d.text, v)
    return d


def resolve_dates(doc: Doc) -> None:
    """Fill `doc.anchor_dates` and `doc.dates` (one list per sentence)."""
    body = doc.article.body
    lang = doc.sentences[0].lang if doc.sentences else "en"
    year = int(doc.article.date[:4]) if doc.article.date else None
    anchors = sorted({d.value for d in explicit_dates(body, lang, 0, year)})
    doc.anchor_dates = anchors
    ref = reference_date(doc.article.date, anchors)
    doc.dates = [sentence_dates(s, ref, doc.article.date) for s in doc.sentences]
