"""The dispatch solver: pure Python over dataclasses and OR-Tools, no web or database.

    plan = solve(problem_dict, time_limit_s=30)

Input and output follow the public format (`dispatch-format.md`, version 1).
"""
from dispatch.solver.problem import ProblemError, parse_problem
from dispatch.solver.solve import SolverError, solve

__all__ = ["ProblemError", "SolverError", "parse_problem", "solve"]
