"""Customers, their contacts, sites and the assets installed there."""
