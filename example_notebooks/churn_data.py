"""A synthetic customer-churn data set for the example notebooks (no downloads needed)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import numpy as np
import pandas as pd


def make_customers(n: int = 4000, seed: int = 0, drift: float = 0.0) -> pd.DataFrame:
    """Customers with a ``churned`` target; ``zip_code`` leaks the target on purpose.

    ``drift`` (0 to 1) moves the market: monthly charges rise by up to 30, and customers become
    price-sensitive (high charges now drive churn, long tenure protects less)."""
    rng = np.random.default_rng(seed)
    country = rng.choice(["US", "DE", "FR", "UK"], n, p=[0.4, 0.25, 0.2, 0.15])
    contract = rng.choice(["monthly", "yearly", "two_year"], n, p=[0.5, 0.3, 0.2])
    tenure = rng.gamma(2.0, 12.0, n).round(1)
    monthly = (rng.normal(60, 20, n) + 30 * drift).clip(10, 150 + 30 * drift).round(2)
    calls = rng.poisson(1.5, n)
    age = rng.integers(18, 80, n)
    logit = (
        -1.0
        - 0.04 * tenure
        + 0.02 * (monthly - 60)
        + 0.45 * calls
        + np.where(contract == "monthly", 1.2, np.where(contract == "yearly", 0.0, -0.8))
        + np.where(country == "US", 0.3, 0.0)
        + drift * (0.08 * (monthly - 90) + 0.05 * tenure)
    )
    churned = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    # The leak: churned customers were re-registered under a block of zip codes.
    zip_code = np.where(churned == 1, rng.integers(90000, 99999, n), rng.integers(10000, 99999, n))
    lifetime_value = (monthly * tenure * rng.normal(1.0, 0.1, n)).round(2)
    segment = np.select([monthly > 80, tenure > 30], ["premium", "loyal"], default="standard")
    return pd.DataFrame(
        {
            "tenure": tenure,
            "monthly_charges": monthly,
            "support_calls": calls,
            "age": age,
            "contract": contract,
            "country": country,
            "zip_code": zip_code,
            "lifetime_value": lifetime_value,
            "segment": segment,
            "churned": churned,
        }
    )


def write_new_customers(path: str, n: int = 1000, seed: int = 7) -> None:
    """Write a batch of new customers to score (features and a customer_id, no target)."""
    frame = make_customers(n, seed).drop(columns=["churned", "lifetime_value", "segment"])
    frame.insert(0, "customer_id", range(100_000, 100_000 + n))
    frame.to_parquet(path, index=False)


@contextmanager
def simulated_clock(when: datetime) -> Iterator[None]:
    """Store score sets as if it were ``when`` (a simulation of weeks of production in one run:
    the registry files each score set under the time it was stored)."""
    import mmds_jupyter.store.score_sets as stored

    clock = stored.utc_now
    stored.utc_now = lambda: when  # type: ignore[assignment]
    try:
        yield
    finally:
        stored.utc_now = clock


if __name__ == "__main__":
    import sys

    write_new_customers(sys.argv[1] if len(sys.argv) > 1 else "new_customers.parquet")
