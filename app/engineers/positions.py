"""The engineer's last known position: where the map shows them and where the
dispatcher's plans start from. Pings, check-ins and starts of travel all report
positions, often out of order (a phone's offline batch arrives after a fresher live
ping), so the position only ever moves forward in time."""
from __future__ import annotations

from datetime import datetime

from geoalchemy2 import WKBElement
from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from app.engineers.models import Engineer


def update_last_position(session: Session, *, engineer: Engineer, point: WKBElement, at: datetime) -> bool:
    """Make `point`, observed at `at` (the phone's time when it gave one, with an
    offset), the engineer's last known position unless a position observed later is
    already stored. Returns whether it moved.

    One conditional UPDATE, so two requests racing for the same engineer cannot let
    the older position overwrite the newer one: the second waits for the first's row
    lock and then re-checks the condition."""
    if at.tzinfo is None:
        raise ValueError("`at` needs a UTC offset")
    moved = session.execute(
        update(Engineer)
        .where(Engineer.id == engineer.id,
               or_(Engineer.last_position_at.is_(None), Engineer.last_position_at < at))
        .values(last_position=point, last_position_at=at)
        .returning(Engineer.id)
        .execution_options(synchronize_session=False)).first() is not None
    # The row may have changed either way (another request); read it afresh when next used.
    session.expire(engineer, ["last_position", "last_position_at"])
    return moved
