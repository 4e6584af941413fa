"""The large Solomon-layout instances: reproducible, and every customer can be served
on its own."""
from __future__ import annotations

from bench.solomon_large import generate
from dispatch.solver.solomon import check_routes


def test_an_instance_is_the_same_for_the_same_seed():
    assert generate(200, 3, clustered=True) == generate(200, 3, clustered=True)
    assert generate(200, 3, clustered=True) != generate(200, 3, clustered=False)


def test_every_customer_can_be_served_alone():
    for clustered in (False, True):
        instance = generate(300, 5, clustered=clustered)
        assert len(instance.customers) == 300 and instance.vehicles == 75
        for customer in instance.customers:
            assert check_routes(instance, [[customer.number]]) == ["every customer must be visited exactly once"]
