"""Is VROOM's plan as good as it gets on the format's objective? Our search, started
from VROOM's plan of a field-service day, for the same time limit.

    .venv/bin/python -m bench.from_vroom --time-limit 30 --seed 101 --sizes 10x50
    .venv/bin/python -m bench.from_vroom --time-limit 30 --seed 5 --sizes 60x500

Where our search from scratch serves more priority than VROOM but drives more, this
says which of the two is the search's doing: if the search started from VROOM's plan
ends where it ends from scratch, the extra travel is what the extra priority costs
(the objective is lexicographic); if it ends with less travel, ours had more to find.
The day is the same as `bench.field_service` generates for that size and seed. A
diagnostic: it reaches into the solver's internals (its layout and routing model)
to hand the search VROOM's routes.
"""
from __future__ import annotations

import argparse
import importlib

from bench._common import table
from bench.field_service import add_day_arguments, days, solve_with_vroom
from dispatch.solver import parse_problem
from dispatch.solver.explain import allowed_engineers
from dispatch.solver.routing import solve_instance
from dispatch.solver.travel import HaversineTravel
from dispatch.solver.workday import fit_days

# `dispatch.solver.solve` the name is the function; the module is reached this way.
solve_module = importlib.import_module("dispatch.solver.solve")


def search_from_vroom(data: dict, time_limit_s: float) -> tuple[dict, dict]:
    """VROOM's plan of `data`, and what our search makes of it in `time_limit_s`, both
    as {priority_served, assigned, travel_s}."""
    problem = parse_problem(data)
    reference, _ = solve_with_vroom(data, time_limit_s)
    layout = solve_module._Layout(problem, HaversineTravel(problem.travel.speed_kmh, problem.travel.road_factor))
    # As `solve` does: breaks inside the shifts, no job for an engineer whose day cannot fit.
    problem, off_duty = fit_days(problem, commute_s=layout.commute)
    layout.refit(problem, off_duty)
    allowed, _ = allowed_engineers(problem, travel_to=layout.to_job, travel_back=layout.to_end)
    model_jobs = sorted(allowed)
    instance, scale = layout.instance(model_jobs, allowed)
    node_of_job = {problem.jobs[j].id: node for node, j in enumerate(model_jobs)}
    routes: list[list[int]] = [[] for _ in problem.engineers]
    for route in reference["routes"]:
        routes[problem.engineer_index[route["engineer"]]] = [node_of_job[stop["job"]] for stop in route["stops"]]
    # The search the solver itself would run on a day of this size.
    one_region = len(model_jobs) <= solve_module.SINGLE_REGION_JOBS
    result = solve_instance(instance, time_limit_s=time_limit_s, initial_routes=routes,
                            ruin_and_recreate=one_region, region_search=not one_region)
    total_weight = sum(problem.jobs[j].weight for j in model_jobs)
    # Jobs no engineer could ever take are outside the model and in neither plan.
    searched = scale.decode(result.objective, total_weight=total_weight, total_jobs=len(model_jobs))
    vroom = {key: reference["summary"][key] for key in ("priority_served", "assigned", "travel_s")}
    return vroom, searched


def main() -> None:
    parser = argparse.ArgumentParser()
    add_day_arguments(parser)
    args = parser.parse_args()
    rows = []
    for name, _, _, data in days(args):
        vroom, searched = search_from_vroom(data, args.time_limit)
        rows.append([name, *(vroom[key] for key in ("priority_served", "assigned", "travel_s")),
                     *(searched[key] for key in ("priority_served", "assigned", "travel_s"))])
        print(f"{name}: VROOM {rows[-1][1:4]}, ours from it {rows[-1][4:7]}", flush=True)
    print()
    print(table(["instance", "VROOM prio", "jobs", "travel s", "ours from VROOM prio", "jobs", "travel s"], rows))
    print(f"\ntime limit {args.time_limit:g} s for VROOM, then as much for our search from its plan")


if __name__ == "__main__":
    main()
