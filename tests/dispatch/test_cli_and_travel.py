"""`python -m dispatch`, Solomon instances, and road-network travel from an
OSRM-compatible server (a local fake one here)."""
from __future__ import annotations

import itertools
import json
import random
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from dispatch.solver import routing, solomon, solve
from dispatch.solver.solomon import check_routes, read_instance, route_distance, solve_solomon
from dispatch.solver.travel import OsrmTravel, TravelError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = {
    "travel": {"model": "haversine", "speed_kmh": 30, "road_factor": 1.3},
    "engineers": [{"id": "E1", "start": [121.4737, 31.2304], "end": [121.4737, 31.2304],
                   "shift": ["2026-11-23T08:00:00+08:00", "2026-11-23T18:00:00+08:00"],
                   "skills": {"hvac": 2, "electrical": 1}, "max_jobs": 8,
                   "breaks": [{"window": ["2026-11-23T11:30:00+08:00", "2026-11-23T13:30:00+08:00"],
                               "duration_s": 1800}]}],
    "jobs": [{"id": "J1", "location": [121.5012, 31.2011],
              "window": ["2026-11-23T09:00:00+08:00", "2026-11-23T11:00:00+08:00"],
              "duration_s": 3600, "skills": {"hvac": 2}, "priority": 2, "pinned_to": None}],
}


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dispatch", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_solve_prints_the_plan(tmp_path):
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(EXAMPLE))
    answer = run_cli("solve", str(path), "--time-limit", "1")
    assert answer.returncode == 0, answer.stderr
    plan = json.loads(answer.stdout)
    assert plan["summary"]["assigned"] == 1
    assert plan["routes"][0]["stops"][0]["job"] == "J1"


def test_the_time_spent_before_the_search_counts_against_the_time_limit(tmp_path, monkeypatch, capsys):
    import dispatch.__main__ as cli

    given = []

    def fake_solve(problem, *, time_limit_s, **options):
        given.append(time_limit_s)
        return {"routes": [], "unassigned": [], "summary": {}}

    path = tmp_path / "problem.json"
    path.write_text(json.dumps(EXAMPLE))
    monkeypatch.setattr(cli, "solve", fake_solve)
    # As if loading the solver had taken 1.5 s of the 10.
    monkeypatch.setattr(cli, "STARTED", cli.time.monotonic() - 1.5)
    assert cli.main(["solve", str(path), "--time-limit", "10"]) == 0
    assert 10 - 1.5 - cli.OUTPUT_RESERVE_S - 0.5 < given[0] <= 10 - 1.5 - cli.OUTPUT_RESERVE_S
    # However long loading took, the search still gets a moment.
    monkeypatch.setattr(cli, "STARTED", cli.time.monotonic() - 60)
    assert cli.main(["solve", str(path), "--time-limit", "10"]) == 0
    assert given[1] == cli.MIN_SEARCH_S
    capsys.readouterr()


def test_workers_are_one_per_core_unless_told(tmp_path, monkeypatch, capsys):
    import dispatch.__main__ as cli

    given = []
    monkeypatch.setattr(cli, "solve", lambda problem, **options: given.append(options["workers"]) or {})
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(EXAMPLE))
    assert cli.main(["solve", str(path), "--time-limit", "1"]) == 0
    assert cli.main(["solve", str(path), "--time-limit", "1", "--workers", "3"]) == 0
    assert given == [None, 3]   # None: `solve` takes one per core
    capsys.readouterr()
    answer = run_cli("solve", str(path), "--time-limit", "1", "--workers", "0")
    assert answer.returncode == 2 and "--workers must be at least 1" in answer.stderr


@pytest.mark.parametrize("content, field", [
    ("{not json", "not valid JSON"),
    (json.dumps({**EXAMPLE, "jobs": [{**EXAMPLE["jobs"][0], "pinned_to": "E404"}]}), "jobs[0].pinned_to"),
    (json.dumps({**EXAMPLE, "jobs": [{**EXAMPLE["jobs"][0], "duration_s": -1}]}), "jobs[0].duration_s"),
])
def test_malformed_input_exits_2_naming_the_field(tmp_path, content, field):
    path = tmp_path / "problem.json"
    path.write_text(content)
    answer = run_cli("solve", str(path), "--time-limit", "1")
    assert answer.returncode == 2
    assert field in answer.stderr
    assert answer.stdout == ""


def write_solomon(path: Path, name: str, customers: list[tuple[int, int, int, int, int, int]],
                  vehicles: int = 3, capacity: int = 50, due: int = 1000) -> Path:
    """A small instance in Solomon's layout: rows of (x, y, demand, ready, due, service)."""
    rows = [f"    0      50      50       0       0    {due}       0"]
    rows += [f"    {k}      {x}      {y}      {d}      {r}      {u}      {s}"
             for k, (x, y, d, r, u, s) in enumerate(customers, start=1)]
    path.write_text(f"{name}\n\nVEHICLE\nNUMBER     CAPACITY\n  {vehicles}         {capacity}\n\nCUSTOMER\n"
                    "CUST NO.   XCOORD.   YCOORD.    DEMAND   READY TIME   DUE DATE   SERVICE TIME\n\n"
                    + "\n".join(rows) + "\n")
    return path


SQUARE = [(60, 50, 10, 0, 1000, 10), (60, 60, 10, 0, 1000, 10), (50, 60, 10, 0, 1000, 10),
          (40, 40, 10, 0, 1000, 10), (40, 30, 10, 0, 1000, 10), (30, 40, 10, 0, 1000, 10)]


def test_solomon_prints_one_line_per_instance(tmp_path):
    files = [write_solomon(tmp_path / "A.txt", "TINY-A", SQUARE),
             write_solomon(tmp_path / "B.txt", "TINY-B", [(x, y, d, 0, 60, s) for x, y, d, _, _, s in SQUARE])]
    answer = run_cli("solomon", *map(str, files), "--time-limit", "1")
    assert answer.returncode == 0, answer.stderr
    lines = [json.loads(line) for line in answer.stdout.splitlines()]
    assert [line["instance"] for line in lines] == ["TINY-A", "TINY-B"]
    for line, path in zip(lines, files):
        assert set(line) == {"instance", "vehicles", "distance", "routes", "solve_s"}
        assert check_routes(read_instance(path), line["routes"]) == []
        assert line["vehicles"] == len(line["routes"])


@pytest.mark.parametrize("bandit_operators, ruin_and_recreate", [(False, True), (False, False), (True, False)],
                         ids=["ruin-and-recreate", "fixed-order", "bandit-order"])
def test_a_small_solomon_instance_is_solved_to_optimality(tmp_path, bandit_operators, ruin_and_recreate):
    # Capacity 30 splits the six customers into two loops of three; the best such
    # split, found here by brute force, is what the solver must reach, with or
    # without ruin-and-recreate, whichever way the local search operators are ordered.
    instance = read_instance(write_solomon(tmp_path / "C.txt", "TINY-C", SQUARE, capacity=30))
    numbers = [c.number for c in instance.customers]
    best = min(route_distance(instance, list(first)) + route_distance(instance, list(second))
               for first in itertools.permutations(numbers, 3)
               for second in itertools.permutations([n for n in numbers if n not in first]))
    answer = solve_solomon(instance, time_limit_s=2, bandit_operators=bandit_operators,
                           ruin_and_recreate=ruin_and_recreate)
    assert check_routes(instance, answer["routes"]) == []
    assert answer["distance"] == pytest.approx(best, abs=0.01)


def test_a_large_solomon_instance_is_searched_region_by_region(tmp_path, monkeypatch):
    # Above REGIONS_ABOVE_CUSTOMERS customers each descent over the whole instance is
    # too slow for the ruins (on 1,000 customers they served 5 in 30 s), so the
    # instance is searched region by region, as a large field-service day is.
    rng = random.Random(4)
    customers = [(rng.randint(0, 100), rng.randint(0, 100), rng.randint(1, 10), rng.randint(0, 400), 0, 10)
                 for _ in range(solomon.REGIONS_ABOVE_CUSTOMERS + 50)]
    customers = [(x, y, demand, ready, ready + 300, service) for x, y, demand, ready, _, service in customers]
    instance = read_instance(write_solomon(tmp_path / "L.txt", "LARGE", customers, vehicles=60, capacity=100))
    searched = []
    search = solomon.solve_instance

    def spy(model, **options):
        searched.append((options["region_search"], options["ruin_and_recreate"], options["region_time_s"],
                         options["ruin_margin_s"]))
        return search(model, **options)
    monkeypatch.setattr(solomon, "solve_instance", spy)
    # Its regions are shorter than a field-service day's, and their ruins run to
    # within a shorter margin of their end: with the field-service margin, a region
    # this short would never start a ruin.
    ruins = []
    remove = routing.string_removal

    def counting(*arguments):
        ruins.append(1)
        return remove(*arguments)
    monkeypatch.setattr(routing, "string_removal", counting)
    answer = solve_solomon(instance, time_limit_s=3)
    assert searched == [(True, False, solomon.REGION_TIME_S, solomon.REGION_RUIN_MARGIN_S)]
    assert ruins
    assert check_routes(instance, answer["routes"]) == []
    assert "unserved" not in answer


def test_a_malformed_solomon_file_exits_2(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("NOT A SOLOMON FILE\n")
    answer = run_cli("solomon", str(path), "--time-limit", "1")
    assert answer.returncode == 2 and "not a Solomon instance" in answer.stderr


# --- road-network travel ------------------------------------------------------------------------

class FakeOsrm(BaseHTTPRequestHandler):
    """Answers /table like OSRM: 100 s and 1000 m per degree of longitude difference."""
    requests: list[str] = []

    def do_GET(self):
        url = urlsplit(self.path)  # not urlparse: it would cut the path at the first ";"
        FakeOsrm.requests.append(url.path)
        coordinates = [tuple(map(float, pair.split(","))) for pair in url.path.split("/")[-1].split(";")]
        query = parse_qs(url.query)
        sources = [int(i) for i in query["sources"][0].split(";")]
        targets = [int(i) for i in query["destinations"][0].split(";")]
        body = {"code": "Ok",
                "durations": [[abs(coordinates[s][0] - coordinates[d][0]) * 100 for d in targets] for s in sources],
                "distances": [[abs(coordinates[s][0] - coordinates[d][0]) * 1000 for d in targets] for s in sources]}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def osrm_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOsrm)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeOsrm.requests = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_osrm_table_in_blocks(osrm_url):
    points = [(121.0 + k, 31.0) for k in range(5)]
    seconds, metres = OsrmTravel(osrm_url, block=2).matrix(points)
    assert seconds[0][4] == 400 and metres[4][1] == 3000 and seconds[2][2] == 0
    assert len(FakeOsrm.requests) == 9  # 3 × 3 blocks of at most 2 × 2
    assert all(path.startswith("/table/v1/driving/") for path in FakeOsrm.requests)


def test_the_solver_plans_with_road_times(osrm_url):
    plan = solve(EXAMPLE, time_limit_s=1, travel=OsrmTravel(osrm_url))
    route = plan["routes"][0]
    # 0.0275° of longitude out and back on the fake network: 2.75 s → 3 s and
    # 27.5 m → 28 m each way (seconds round up, metres to the nearest).
    assert route["travel_s"] == 6 and route["distance_m"] == 56


def test_an_unreachable_routing_engine_is_a_clear_error():
    with pytest.raises(TravelError, match="routing engine"):
        OsrmTravel("http://127.0.0.1:9", timeout_s=2).matrix([(121.0, 31.0), (121.1, 31.0)])
