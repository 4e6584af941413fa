"""Automation rules: "when <event> and <conditions> then <actions>", run in the same
transaction right after the order's event is written, audited in its timeline."""
