"""An engineer's day before any job is in it: leaving the start, driving to the end,
and every break, all where the rules allow.

The routing model needs each engineer's empty route to be possible: an engineer who
cannot even drive from start to end (and take the breaks) within the shift would
leave the whole model without a solution, and every job unassigned. Such an engineer
is off duty: no job goes to them. And where the format leaves a break free to fall
outside the shift (it only asks that a break start inside its window), a break is
kept inside the shift whenever the empty day allows it: a lunch window of
11:30–13:30 for a shift that ends at 13:00 means lunch by 12:30, not a break taken
after the engineer has gone home, which would also give the day half an hour it does
not have.

Pure: works on `problem.Problem` and the engineers' start-to-end travel times.
"""
from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Sequence

from dispatch.solver.problem import Break, Engineer, Problem

# Up to this many breaks every order of them and the drive is tried (720 orders);
# an engineer with more keeps the day as given (no engineer has that many in practice).
MAX_BREAKS = 5


def fit_days(problem: Problem, commute_s: Callable[[int], int]) -> tuple[Problem, list[int]]:
    """`problem` with each engineer's breaks narrowed to the shift where their empty
    day still fits, and the engineers whose empty day fits in no way (off duty: their
    breaks dropped and `max_jobs` 0, so no job goes to them). `commute_s(e)` is the
    travel from engineer e's start to their end (0 for an open end)."""
    engineers: list[Engineer] = []
    off_duty: list[int] = []
    for e, engineer in enumerate(problem.engineers):
        if len(engineer.breaks) > MAX_BREAKS:
            engineers.append(engineer)
            continue
        commute = commute_s(e)
        inside = [_inside_shift(rule, engineer) for rule in engineer.breaks]
        if empty_day_fits(engineer, commute, inside):
            engineers.append(dataclasses.replace(engineer, breaks=tuple(inside)))
        elif empty_day_fits(engineer, commute, engineer.breaks):
            engineers.append(engineer)
        else:
            off_duty.append(e)
            engineers.append(dataclasses.replace(engineer, breaks=(), max_jobs=0))
    return dataclasses.replace(problem, engineers=engineers), off_duty


def empty_day_fits(engineer: Engineer, commute_s: int, breaks: Sequence[Break]) -> bool:
    """Whether the engineer can drive from start to end (`commute_s`) inside the shift
    and take every break inside its window, none overlapping the drive or another.
    Tries every order, so meant for a few breaks (`MAX_BREAKS`)."""
    drive = (engineer.shift_start, engineer.shift_end - commute_s, commute_s)
    intervals = [drive] + [(rule.earliest_start, rule.latest_start, rule.duration) for rule in breaks]
    if drive[0] > drive[1]:
        return False
    return any(_in_order(order) for order in itertools.permutations(intervals))


def _in_order(intervals: Sequence[tuple[int, int, int]]) -> bool:
    """Whether the intervals (earliest start, latest start, duration) fit one after
    another in this order, each as early as it may."""
    free_at = None
    for earliest, latest, duration in intervals:
        begins = earliest if free_at is None else max(earliest, free_at)
        if begins > latest:
            return False
        free_at = begins + duration
    return True


def _inside_shift(rule: Break, engineer: Engineer) -> Break:
    """`rule` with its window narrowed to the starts that keep the whole break inside
    the shift; `rule` as it is when there are none."""
    earliest = max(rule.earliest_start, engineer.shift_start)
    latest = min(rule.latest_start, engineer.shift_end - rule.duration)
    return Break(earliest, latest, rule.duration) if earliest <= latest else rule
