"""An engineer's empty day: breaks kept inside the shift where it fits, and engineers
whose day cannot fit at all kept out of the model rather than sinking it."""
from __future__ import annotations

from dispatch.solver import parse_problem
from dispatch.solver.problem import Break
from dispatch.solver.workday import MAX_BREAKS, empty_day_fits, fit_days
from tests.dispatch.test_solver import engineer, job, problem, solved, t, unassigned

FAR_AWAY = [116.40, 39.90]   # Beijing: some 1,400 km from the Shanghai jobs


def one_engineer(**extra):
    return parse_problem(problem([engineer("E1", shift=("10:00", "14:00"), **extra)], [])).engineers[0]


def test_the_drive_from_start_to_end_must_fit_in_the_shift():
    day = one_engineer()
    length = day.shift_end - day.shift_start
    assert empty_day_fits(day, length, [])
    assert not empty_day_fits(day, length + 1, [])


def test_breaks_may_not_overlap_the_drive_or_each_other():
    day = one_engineer()
    noon = day.shift_start + 2 * 3600
    lunch = Break(noon, noon, 3600)                      # 12:00–13:00 exactly
    assert empty_day_fits(day, 2 * 3600, [lunch])        # drive 10:00–12:00, then lunch
    assert not empty_day_fits(day, 2 * 3600 + 1, [lunch, Break(noon + 3600, noon + 3600, 3600)])
    assert not empty_day_fits(day, 0, [lunch, Break(noon + 1800, noon + 1800, 600)])


def test_a_break_window_running_past_the_shift_is_narrowed_to_it():
    data = problem([engineer("E1", shift=("10:00", "14:00"),
                             breaks=[{"window": [t("11:25"), t("14:25")], "duration_s": 3600},
                                     {"window": [t("07:00"), t("10:30")], "duration_s": 600}])], [])
    parsed = parse_problem(data)
    fitted, off_duty = fit_days(parsed, commute_s=lambda e: 0)
    day = parsed.engineers[0]
    assert off_duty == []
    late, early = sorted(fitted.engineers[0].breaks, key=lambda b: -b.earliest_start)
    assert (late.earliest_start, late.latest_start) == (day.shift_start + 85 * 60, day.shift_end - 3600)
    assert (early.earliest_start, early.latest_start) == (day.shift_start, day.shift_start + 30 * 60)
    assert parsed.engineers[0].breaks != fitted.engineers[0].breaks   # the parsed problem is left as it was


def test_a_break_that_cannot_fit_inside_the_shift_keeps_its_window():
    data = problem([engineer("E1", shift=("10:00", "14:00"),
                             breaks=[{"window": [t("15:00"), t("16:00")], "duration_s": 1800}])], [])
    parsed = parse_problem(data)
    fitted, off_duty = fit_days(parsed, commute_s=lambda e: 0)
    assert off_duty == [] and fitted.engineers[0].breaks == parsed.engineers[0].breaks


def test_when_the_narrowed_break_leaves_no_room_for_the_drive_the_window_stays_as_given():
    # A 3.5 h drive in a 4 h shift leaves no hour for lunch inside it; lunch may still
    # be taken after the shift, as its window allows.
    data = problem([engineer("E1", shift=("10:00", "14:00"),
                             breaks=[{"window": [t("11:25"), t("14:25")], "duration_s": 3600}])], [])
    parsed = parse_problem(data)
    fitted, off_duty = fit_days(parsed, commute_s=lambda e: 3 * 3600 + 1800)
    assert off_duty == [] and fitted.engineers[0].breaks == parsed.engineers[0].breaks


def test_an_engineer_who_cannot_get_from_start_to_end_in_the_shift_is_off_duty():
    parsed = parse_problem(problem([engineer("E1"), engineer("E2", breaks=[
        {"window": [t("11:00"), t("12:00")], "duration_s": 1800}])], []))
    fitted, off_duty = fit_days(parsed, commute_s=lambda e: 11 * 3600 if e == 1 else 600)
    assert off_duty == [1]
    assert fitted.engineers[1].max_jobs == 0 and fitted.engineers[1].breaks == ()
    assert fitted.engineers[0] == parsed.engineers[0]


def test_a_lunch_window_running_past_the_shift_is_taken_inside_it():
    # The shift ends at 14:00 and lunch may start until 14:25: taken after 13:00 it
    # would end after the shift (and give the day an hour it does not have).
    lunch = {"window": [t("11:25"), t("14:25")], "duration_s": 3600}
    jobs = [job(f"J{k}", [121.47 + k * 0.01, 31.23], duration=3600) for k in range(3)]
    plan = solved(problem([engineer("E1", shift=("10:00", "14:00"), breaks=[lunch])], jobs))
    [route] = plan["routes"]
    [taken] = route["breaks"]
    assert t("11:25") <= taken["start"] <= t("13:00") and taken["end"] <= t("14:00")
    assert plan["summary"]["assigned"] == 2          # three hours of work and lunch fill the shift


def test_a_break_that_cannot_fit_inside_the_shift_is_still_taken_in_its_window():
    late = {"window": [t("15:00"), t("16:00")], "duration_s": 1800}
    plan = solved(problem([engineer("E1", shift=("10:00", "14:00"), breaks=[late])],
                          [job("J1", [121.48, 31.23])]))
    [route] = plan["routes"]
    [taken] = route["breaks"]
    assert t("15:00") <= taken["start"] <= t("16:00")
    assert route["stops"][0]["end"] <= t("14:00")


def test_an_engineer_whose_day_cannot_fit_does_not_stop_the_others():
    # E1 would have to drive to Beijing within a four-hour shift. Before, their
    # impossible empty route left the model without any solution: nothing assigned.
    data = problem([engineer("E1", end=FAR_AWAY, shift=("08:00", "12:00")), engineer("E2")],
                   [job("J1", [121.48, 31.23]), job("J2", [121.49, 31.23]), job("J3", [121.48, 31.24], pinned_to="E1")])
    plan = solved(data)
    assert plan["summary"]["assigned"] == 2
    assert [route["engineer"] for route in plan["routes"]] == ["E2"]
    assert unassigned(plan)["J3"]["reason"] == "pinned_engineer_unavailable"


def test_an_off_duty_engineer_leaves_the_travel_of_others_to_the_same_end_as_it_is():
    # E1 (off duty: Beijing to Shanghai in four hours) and E2 end at the same office.
    office = [121.50, 31.24]
    data = problem([engineer("E1", start=FAR_AWAY, end=office, shift=("08:00", "12:00")),
                    engineer("E2", start=[121.46, 31.22], end=office)],
                   [job("J1", [121.48, 31.23])])
    plan = solved(data)                              # the plan's own travel arithmetic is checked
    [route] = plan["routes"]
    assert route["engineer"] == "E2" and route["travel_s"] > 0
    assert plan["summary"]["travel_s"] == route["travel_s"]


def test_an_engineer_with_more_breaks_than_are_tried_keeps_the_day_as_given():
    many = [{"window": [t(f"{9 + k:02d}:00"), t(f"{9 + k:02d}:30")], "duration_s": 600} for k in range(MAX_BREAKS + 1)]
    parsed = parse_problem(problem([engineer("E1", breaks=many)], []))
    fitted, off_duty = fit_days(parsed, commute_s=lambda e: 24 * 3600)
    assert off_duty == [] and fitted.engineers[0] == parsed.engineers[0]
