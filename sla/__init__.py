"""Service-level agreements: business calendars, SLA policies and the clocks of each
work order (calendar.py and clock.py are pure computation)."""
