"""Events keep what clustering compares: the interval their date stands for (`date_start`,
`date_end`, `date_precision`), how their place was found (`location_text`, `resolution`), counts
of dead and arrested, the names and numbers their sentences give (also as rows of `event_names`, looked up by name),
their offsets, and the component of linked events they were clustered in.

The new columns are filled from each event's stored record (a record written before intervals
existed gets the interval of its date). Each existing cluster becomes a component of its own;
`kronika recluster` makes the clusters again by the current rules.

Revision ID: 0004
Revises: 0003
"""
from __future__ import annotations

import datetime
import json
import logging

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

log = logging.getLogger("kronika.store")
COLUMNS = (("date_start", sa.String(10)), ("date_end", sa.String(10)), ("date_precision", sa.String(10)),
           ("location_text", sa.String(300)), ("resolution", sa.String(10)), ("dead", sa.Integer),
           ("arrested", sa.Integer), ("names", sa.Text), ("sentence_start", sa.Integer), ("trigger_start", sa.Integer),
           ("component_id", sa.Integer))
INDEXES = ("date_start", "date_end", "component_id")
events = sa.table("events", sa.column("id", sa.Integer), sa.column("record", sa.Text), sa.column("date", sa.String),
                  sa.column("cluster_id", sa.Integer), *(sa.column(n, t) for n, t in COLUMNS))


def _span(date: str | None) -> tuple[str | None, str | None, str]:
    try:
        parts = [int(x) for x in (date or "").split("-") if x]
        if len(parts) == 3:
            return date, date, "day"
        if len(parts) == 2:
            first = datetime.date(parts[0], parts[1], 1)
            last = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)
            return first.isoformat(), last.isoformat(), "month"
        if len(parts) == 1:
            return f"{parts[0]:04d}-01-01", f"{parts[0]:04d}-12-31", "year"
    except ValueError:
        pass
    return None, None, "unknown"


def _values(record: str, date: str | None) -> dict:
    rec = json.loads(record)
    time = rec.get("time") or {}
    start, end, precision = (time.get("start"), time.get("end"), time.get("precision")) if time else _span(date)
    loc, size = rec.get("location") or {}, rec.get("size") or {}
    ev = rec.get("evidence") or {}
    return dict(date_start=start, date_end=end, date_precision=precision, location_text=loc.get("text"),
                resolution=loc.get("resolution"), dead=size.get("dead"), arrested=size.get("arrested"),
                sentence_start=ev.get("start"), trigger_start=(ev.get("trigger") or {}).get("start"),
                names="|".join(rec.get("names") or ()))


def upgrade() -> None:
    for name, kind in COLUMNS:
        op.add_column("events", sa.Column(name, kind))
    for name in INDEXES:
        op.create_index(f"ix_events_{name}", "events", [name])
    bind = op.get_bind()
    last, n = 0, 0
    while True:
        rows = bind.execute(sa.select(events.c.id, events.c.record, events.c.date).where(events.c.id > last)
                            .order_by(events.c.id).limit(2000)).all()
        if not rows:
            break
        for r in rows:
            bind.execute(events.update().where(events.c.id == r.id).values(**_values(r.record, r.date)))
        last, n = rows[-1].id, n + len(rows)
    bind.execute(events.update().values(component_id=events.c.cluster_id))
    names = op.create_table("event_names",
                            sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"),
                                      nullable=False),
                            sa.Column("name", sa.String(300), nullable=False))
    op.create_index("ix_event_names_event_id", "event_names", ["event_id"])
    op.create_index("ix_event_names_name", "event_names", ["name"])
    rows = bind.execute(sa.select(events.c.id, events.c.names).where(events.c.names.is_not(None),
                                                                       events.c.names != "")).all()
    pairs = [{"event_id": r.id, "name": n[:300]} for r in rows for n in r.names.split("|")]
    if pairs:
        bind.execute(names.insert(), pairs)
    if n:
        log.warning("%d stored events gained time intervals; run `kronika recluster` to make their clusters "
                    "by the current rules", n)


def downgrade() -> None:
    op.drop_table("event_names")
    for name in INDEXES:
        op.drop_index(f"ix_events_{name}", table_name="events")
    for name, _ in reversed(COLUMNS):
        op.drop_column("events", name)
