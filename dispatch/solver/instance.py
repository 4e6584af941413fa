"""The routing model's input in integers, and the part of it a region of a plan covers.

An `Instance` is what `routing.solve_instance` searches: nodes with service times and
visit-start windows, vehicles with start/end nodes and time ranges, a cost matrix and
a travel matrix, optional loads, job limits, breaks, allowed vehicles and drop
penalties. Field-service problems (`solve.py`) and Solomon instances (`solomon.py`)
both become one.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class VehicleBreak:
    earliest_start: int
    latest_start: int
    duration: int


@dataclass
class Instance:
    service: list[int]                    # per node; 0 for start/end nodes
    windows: list[tuple[int, int] | None]  # visit-start window per node
    cost: list[list[int]]                 # arc cost (what is minimised, besides penalties)
    travel: list[list[int]]               # arc travel time
    starts: list[int]                     # per vehicle: its start node
    ends: list[int]                       # per vehicle: its end node
    vehicle_ranges: list[tuple[int, int]]  # per vehicle: earliest departure, latest return
    horizon: int
    job_nodes: list[int]                  # nodes that are visits (not starts/ends)
    penalties: dict[int, int] | None = None          # node → drop penalty; None: every visit is mandatory
    allowed: dict[int, list[int]] = field(default_factory=dict)  # node → vehicles allowed
    max_jobs: list[int] | None = None                 # per vehicle
    demands: list[int] | None = None                  # per node
    capacities: list[int] | None = None               # per vehicle
    breaks: list[list[VehicleBreak]] = field(default_factory=list)  # per vehicle
    soft_deadlines: dict[int, int] = field(default_factory=dict)  # node → latest start before it is late
    lateness_cost: int = 0                                        # per second late

    def may_serve(self, vehicle: int, node: int) -> bool:
        """Whether `vehicle` is allowed to visit job `node`."""
        return node not in self.allowed or vehicle in self.allowed[node]

    def restricted(self, vehicles: Sequence[int], jobs: Sequence[int]) -> tuple[Instance, list[int]]:
        """The instance of only `vehicles` and the visits `jobs` (each allowed for at
        least one of them), with every rule, cost and penalty as here, so an objective
        of the part differs from the whole's by the same amount for the same change.
        Answers it with its nodes' numbers here: `jobs` first, in order, then the
        vehicles' start and end nodes."""
        nodes = list(jobs)
        number = {node: k for k, node in enumerate(nodes)}

        def renumber(node: int) -> int:
            if node not in number:
                number[node] = len(nodes)
                nodes.append(node)
            return number[node]

        starts = [renumber(self.starts[v]) for v in vehicles]
        ends = [renumber(self.ends[v]) for v in vehicles]
        allowed = {}
        for node in jobs:
            if node in self.allowed:
                allowed[number[node]] = [k for k, v in enumerate(vehicles) if v in self.allowed[node]]
        part = Instance(
            service=[self.service[n] for n in nodes], windows=[self.windows[n] for n in nodes],
            cost=[[self.cost[a][b] for b in nodes] for a in nodes],
            travel=[[self.travel[a][b] for b in nodes] for a in nodes],
            starts=starts, ends=ends, vehicle_ranges=[self.vehicle_ranges[v] for v in vehicles],
            horizon=self.horizon, job_nodes=list(range(len(jobs))),
            penalties=None if self.penalties is None else {number[n]: self.penalties[n] for n in jobs},
            allowed={node: able for node, able in allowed.items() if len(able) < len(vehicles)},
            max_jobs=None if self.max_jobs is None else [self.max_jobs[v] for v in vehicles],
            demands=None if self.demands is None else [self.demands[n] for n in nodes],
            capacities=None if self.capacities is None else [self.capacities[v] for v in vehicles],
            breaks=[self.breaks[v] for v in vehicles] if self.breaks else [],
            soft_deadlines={number[n]: self.soft_deadlines[n] for n in jobs if n in self.soft_deadlines},
            lateness_cost=self.lateness_cost)
        return part, nodes
