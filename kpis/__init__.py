"""The KPIs managers steer by, computed in SQL over the work orders' event log, the SLA
clocks, the ratings and the stock ledger (queries.py), with their definitions
(catalogue.py) and the API that serves them as JSON or CSV (routes.py)."""
