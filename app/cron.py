"""Periodic jobs, for `rq cron app/cron.py` (started by `make run` beside the worker).

The cron process only enqueues; the workers run the jobs. Each job finds its work in
the database, so a missed or doubled tick changes nothing.
"""
from rq import cron

from app.queue import QUEUE_NAME
from customer_links.jobs import AUTO_CLOSE_INTERVAL_S, close_unanswered_orders
from sla.jobs import SWEEP_INTERVAL_S, sweep_due_clocks

cron.register(sweep_due_clocks, queue_name=QUEUE_NAME, interval=SWEEP_INTERVAL_S,
              job_timeout=120, result_ttl=600)
cron.register(close_unanswered_orders, queue_name=QUEUE_NAME, interval=AUTO_CLOSE_INTERVAL_S,
              job_timeout=600, result_ttl=3600)
