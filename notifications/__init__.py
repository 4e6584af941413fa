"""Notifications: what the system tells people (SLA warnings, automation rules…), kept as
an inbox per user; delivery to phones (push) builds on the same rows."""
