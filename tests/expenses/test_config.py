"""The mileage rate is a setting read from the environment and checked at start-up."""
from __future__ import annotations

import pytest

from config import ConfigError, TestingConfig


def test_a_negative_mileage_rate_stops_the_app_from_starting():
    config = TestingConfig()
    config.MILEAGE_RATE_CENTS_PER_KM = -1
    with pytest.raises(ConfigError, match="MILEAGE_RATE_CENTS_PER_KM"):
        config.validate()


def test_the_default_rate_is_a_whole_number_of_fen_per_km():
    assert TestingConfig().MILEAGE_RATE_CENTS_PER_KM == 150
