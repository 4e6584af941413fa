"""Which visits to take out of a plan, for ruin-and-recreate.

String removal, after the SISR method of Christiaens and Vanden Berghe (2020): pick
a random visit, then walk its nearest neighbours; from the route of each neighbour
not yet touched, cut a string of consecutive visits that contains it, until a few
routes have lost a string each. Cutting neighbouring strings from several routes at
once is what lets the rebuild hand a cluster's visits to other routes or order them
another way, moves the one-visit-at-a-time operators of a local search cannot make
without passing through worse plans.

Pure: routes are lists of the caller's visit identifiers (routing indices, for
`routing._ruin_and_recreate`), which it turns back into a search state.
"""
from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

AVERAGE_REMOVED = 10   # visits taken out per ruin, on average
MAX_STRING = 10        # the longest string cut from one route


def string_removal(routes: Sequence[Sequence[int]], neighbours: Mapping[int, Sequence[int]], rng: random.Random, *,
                   average_removed: int = AVERAGE_REMOVED, max_string: int = MAX_STRING) -> set[int]:
    """The visits to remove from `routes`: strings of consecutive visits cut from
    routes near a random seed visit. `neighbours[v]` lists the other visits by
    increasing distance from `v`. Empty when the routes hold no visit."""
    route_of = {visit: (r, position) for r, route in enumerate(routes) for position, visit in enumerate(route)}
    if not route_of:
        return set()
    used = [route for route in routes if route]
    # Strings no longer than a route is on average; as many routes as it takes to
    # remove about `average_removed` visits with strings of about half that length.
    longest = min(max_string, sum(map(len, used)) / len(used))
    most_routes = 4 * average_removed / (1 + longest) - 1
    route_count = max(1, int(rng.uniform(1, most_routes + 1)))

    seed = rng.choice(sorted(route_of))
    removed: set[int] = set()
    ruined: set[int] = set()
    for visit in (seed, *neighbours[seed]):
        if len(ruined) >= route_count:
            break
        if visit in removed or visit not in route_of:
            continue
        r, position = route_of[visit]
        if r in ruined:
            continue
        route = routes[r]
        # uniform() may return its upper bound: keep the string within the route.
        length = min(len(route), int(rng.uniform(1, min(len(route), longest) + 1)))
        # A string of `length` that contains `position`, anywhere it fits in the route.
        first = min(max(0, position - rng.randrange(length)), len(route) - length)
        removed.update(route[first:first + length])
        ruined.add(r)
    return removed
