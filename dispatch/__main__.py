"""Command line of the solver.

    python -m dispatch solve PROBLEM.json --time-limit SECONDS      # the plan on stdout
    python -m dispatch solomon FILE… --time-limit SECONDS           # one JSON line per instance

A malformed problem exits with status 2 and a message naming the field. `solve`
prints its plan within `--time-limit` seconds of starting, reading the problem and
loading the solver included.
"""
from __future__ import annotations

import time

# Before the solver's modules are loaded (about 0.2 s, OR-Tools most of it): that
# time counts against the time limit too.
STARTED = time.monotonic()

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402

from dispatch.solver import ProblemError, solve  # noqa: E402
from dispatch.solver.routing import (DEFAULT_FIRST_SOLUTION, DEFAULT_METAHEURISTIC, SOLOMON_FIRST_SOLUTION,  # noqa: E402
                                     SOLOMON_METAHEURISTIC)
from dispatch.solver.solomon import SolomonFormatError, read_instance, solve_solomon  # noqa: E402

EXIT_BAD_INPUT = 2
# Kept back from the time limit for writing the plan out.
OUTPUT_RESERVE_S = 0.05
# The least time the search is given, however long loading took.
MIN_SEARCH_S = 0.5


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dispatch", description="Gongdan's dispatch solver")
    commands = parser.add_subparsers(dest="command", required=True)
    solve_cmd = commands.add_parser("solve", help="solve a problem in the dispatch format (JSON)")
    solve_cmd.add_argument("problem", help="problem file, or - for stdin")
    solomon_cmd = commands.add_parser("solomon", help="solve Solomon VRPTW instances")
    solomon_cmd.add_argument("files", nargs="+")
    for command, first, metaheuristic in ((solve_cmd, DEFAULT_FIRST_SOLUTION, DEFAULT_METAHEURISTIC),
                                          (solomon_cmd, SOLOMON_FIRST_SOLUTION, SOLOMON_METAHEURISTIC)):
        command.add_argument("--time-limit", type=float, default=30.0, metavar="SECONDS")
        # For measuring other strategies (bench/README.md); the defaults were chosen that way.
        command.add_argument("--first-solution", default=first, help=argparse.SUPPRESS)
        command.add_argument("--metaheuristic", default=metaheuristic, help=argparse.SUPPRESS)
    solve_cmd.add_argument("--workers", type=int, default=None, metavar="N",
                           help="processes that search regions of a plan side by side (default: one per core; "
                                "1: this process alone)")
    args = parser.parse_args(argv)
    if args.time_limit <= 0:
        parser.error("--time-limit must be positive")
    if getattr(args, "workers", None) is not None and args.workers < 1:
        parser.error("--workers must be at least 1")
    options = {"first_solution": args.first_solution, "metaheuristic": args.metaheuristic}

    if args.command == "solve":
        try:
            text = sys.stdin.read() if args.problem == "-" else open(args.problem, encoding="utf-8").read()
        except OSError as error:
            print(f"error: cannot read {args.problem}: {error.strerror}", file=sys.stderr)
            return EXIT_BAD_INPUT
        try:
            problem = json.loads(text)
        except json.JSONDecodeError as error:
            print(f"error: {args.problem}: not valid JSON ({error})", file=sys.stderr)
            return EXIT_BAD_INPUT
        try:
            search_s = max(MIN_SEARCH_S, args.time_limit - (time.monotonic() - STARTED) - OUTPUT_RESERVE_S)
            plan = solve(problem, time_limit_s=search_s, workers=args.workers, **options)
        except ProblemError as error:
            print(f"error: invalid problem: {error}", file=sys.stderr)
            return EXIT_BAD_INPUT
        json.dump(plan, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0

    instances = []
    for path in args.files:
        try:
            instances.append(read_instance(path))
        except (OSError, SolomonFormatError) as error:
            print(f"error: {error}", file=sys.stderr)
            return EXIT_BAD_INPUT
    for instance in instances:
        print(json.dumps(solve_solomon(instance, time_limit_s=args.time_limit, **options)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
