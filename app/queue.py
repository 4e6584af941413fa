"""The RQ queue that the background worker started by `make run` listens to."""
from __future__ import annotations

from redis import Redis
from rq import Queue

QUEUE_NAME = "gongdan"


def get_queue(redis_url: str) -> Queue:
    return Queue(QUEUE_NAME, connection=Redis.from_url(redis_url))
