"""Pagination of SELECT statements for flask-smorest's `@paginate()`."""
from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


def paginate(session: Session, query: Select, pagination_parameters) -> list:
    """Run one page of `query`; set the total so flask-smorest emits X-Pagination."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pagination_parameters.item_count = total
    page_query = query.limit(pagination_parameters.page_size).offset(
        (pagination_parameters.page - 1) * pagination_parameters.page_size)
    return session.scalars(page_query).unique().all()
