"""Engineers: skills, home base, working hours, time off, last position."""
