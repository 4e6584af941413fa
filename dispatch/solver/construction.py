"""The instance a large day's first solution is built on: the same day, drawn towards
compact routes.

Local cheapest insertion takes the visits most worth serving first and puts each
where it adds least travel. On the whole day that lets the first minor visits land on
any route that passes by, and the routes it leaves criss-cross the city; the region
search (`regions.py`) then keeps that shape, and the plan drives more than it needs
to. Built on this instance instead, the plan starts from routes that stay near their
engineers' homes and from short visits before long ones of the same priority; the
search itself then runs on the real instance, so nothing it may do is taken away.

Measured on eight days of 350 and 500 jobs (30 s each, `bench/README.md`): as much
priority served as the whole day's construction within the noise (49983–50055 against
50035–50057), 0.3–1 % more jobs, 3–4 % less travel.
"""
from __future__ import annotations

import dataclasses

from dispatch.solver.instance import Instance
from dispatch.solver.regions import SERVICE_OFFSET_S

# A minor visit (drop penalty below this share of the day's largest: on the benchmark
# days the normal and low priorities under urgent ones) may only go to this many of
# the engineers allowed to do it, those who start nearest. 6 and 12 served less
# priority or drove more than 8.
NEAREST_ENGINEERS = 8
MINOR_PENALTY_SHARE = 0.2


def compact_start_instance(instance: Instance) -> Instance:
    """`instance` for building a first solution: each visit's drop penalty divided by
    the share of the day it takes (its service plus `SERVICE_OFFSET_S` of driving), so
    of two visits of one priority the shorter is inserted first, and each minor visit
    allowed only to its `NEAREST_ENGINEERS` nearest engineers among those who may
    already do it. Without drop penalties (every visit mandatory) it is `instance`."""
    penalties = instance.penalties
    if not penalties:
        return instance
    top = max(penalties.values())
    vehicles = range(len(instance.starts))
    allowed = dict(instance.allowed)
    for node in instance.job_nodes:
        if penalties[node] >= MINOR_PENALTY_SHARE * top:
            continue
        able = sorted((v for v in vehicles if instance.may_serve(v, node)),
                      key=lambda v: instance.cost[instance.starts[v]][node])
        if len(able) > NEAREST_ENGINEERS:
            allowed[node] = able[:NEAREST_ENGINEERS]
    # Scaled down, never up: the objective stays within what the whole day's does.
    worth = {node: penalty * SERVICE_OFFSET_S // (instance.service[node] + SERVICE_OFFSET_S)
             for node, penalty in penalties.items()}
    return dataclasses.replace(instance, penalties=worth, allowed=allowed)
