"""The retrain decision: an alert persisting N windows triggers it, the cool-down stops a
second run (the scheduler run itself is not built yet)."""

from datetime import datetime, timedelta, timezone

import pytest

from mmds_jupyter.errors import InvalidInput
from mmds_jupyter.monitoring.retrain import define_retrain, retrain_due

NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)


def checks(*verdicts_by_window):
    return [
        {"window": f"w{i}", "measure": measure, "verdict": verdict}
        for i, verdicts in enumerate(verdicts_by_window)
        for measure, verdict in verdicts.items()
    ]


def test_an_alert_that_persists_triggers_once_then_cools_down():
    d = define_retrain("05_retrain.ipynb", windows=2, cooldown_days=7)
    history = checks(
        {"roc_auc": "ok", "psi(x1)": "warning"},
        {"roc_auc": "alert", "psi(x1)": "alert"},
        {"roc_auc": "not enough data", "psi(x1)": "ok"},
    )
    assert not retrain_due(d, history, None, NOW).due  # psi recovered; auc alerted once
    history += checks({}, {}, {}, {"roc_auc": "alert", "psi(x1)": "ok"})
    decision = retrain_due(d, history, None, NOW)
    assert decision.due and decision.measure == "roc_auc" and decision.windows == ["w1", "w3"]
    cooling = retrain_due(d, history, NOW - timedelta(days=2), NOW)
    assert not cooling.due and "cooling down" in cooling.reason
    assert retrain_due(d, history, NOW - timedelta(days=8), NOW).due


def test_other_triggers_and_bad_definitions():
    assert not retrain_due(define_retrain("r.ipynb", trigger="manual"), [], None, NOW).due
    with pytest.raises(InvalidInput, match="notebook"):
        define_retrain("r.py")
    with pytest.raises(InvalidInput, match="trigger is alert"):
        define_retrain("r.ipynb", trigger="weekly")
    with pytest.raises(InvalidInput, match="cron"):
        define_retrain("r.ipynb", trigger="schedule")
    with pytest.raises(InvalidInput, match="at least 1"):
        define_retrain("r.ipynb", windows=0)
