"""Numbers users type (versions, limits, offsets, depths, ages) are bounded with a clear error.

Driven from Python (SQLite and PostgreSQL, where a version number of 2^31 or more used to
overflow the integer column), the ``mmds`` command and the ``%mmds`` magic.
"""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from sklearn.linear_model import LogisticRegression

import mmds_jupyter
from mmds_jupyter.cli import main
from mmds_jupyter.errors import InvalidInput, NotFound
from mmds_jupyter.refs import MAX_INT, parse_ref

HUGE = "99999999999999999999"
COLS = ["mean_radius", "mean_texture"]


@pytest.fixture
def tracked(reg, cancer):
    model = LogisticRegression(max_iter=3000).fit(cancer["X_train"][COLS], cancer["y_train"])
    reg.track(model, name="churn", project="risk")
    return reg


BAD_REFS = [f"churn:{HUGE}", f"risk/churn:{MAX_INT + 1}", "churn:0", "churn:" + "9" * 5000]


def test_version_numbers_out_of_range_are_invalid_input(tracked):
    calls = (
        tracked.get,
        tracked.load,
        tracked.lineage,
        lambda r: tracked.events(ref=r),
        lambda r: tracked.compare(r, "churn:1"),
        lambda r: tracked.alias(r, "champion"),
        lambda r: tracked.set_stage(r, "validation"),
        lambda r: tracked.track(
            LogisticRegression().fit([[0.0], [1.0]], [0, 1]), name="other", parent=r
        ),
    )
    for ref in BAD_REFS:
        for call in calls:
            with pytest.raises(InvalidInput, match="version numbers run from 1 to 2147483647"):
                call(ref)


def test_the_largest_version_number_is_simply_not_found(tracked):
    # On PostgreSQL this is the largest value of the integer column: no overflow, just absent.
    with pytest.raises(NotFound):
        tracked.get(f"risk/churn:{MAX_INT}")
    assert parse_ref(f"churn:{MAX_INT}").version == MAX_INT
    assert parse_ref("churn:007").version == 7


FIND_CASES = [
    ({"limit": 2**31}, "limit must be from 1 to 2147483647"),
    ({"limit": 0}, "limit must be from 1"),
    ({"limit": 10**5000}, "not a number with more than 30 digits"),
    ({"offset": 2**63}, "offset must be from 0 to 2147483647"),
    ({"offset": -1}, "offset must be from 0"),
    ({"limit": "ten"}, "limit must be a whole number"),
    ({"limit": True}, "limit must be a whole number"),
    ({"since": "99999999999d"}, "since='99999999999d' is too long ago"),
    ({"until": "99999999999999999999999999w"}, "until="),
    ({"since": "365001d"}, "ages go up to 1000 years"),
]


def test_find_bounds_its_numbers(tracked):
    for kwargs, words in FIND_CASES:
        with pytest.raises(InvalidInput) as refused:
            tracked.find(**kwargs)
        assert words in str(refused.value)


def test_largest_accepted_numbers_reach_the_database_without_overflow(tracked):
    assert tracked.find(offset=MAX_INT).empty
    assert len(tracked.find(limit=MAX_INT, since="365000d")) == 1
    assert len(tracked.events(limit=MAX_INT)) >= 1
    assert tracked.lineage("churn:1", depth=100) is not None


OTHER_CASES = [
    (lambda r: r.lineage("churn:1", depth=10**12), "depth must be from 1 to 100"),
    (lambda r: r.lineage("churn:1", depth=0), "depth must be from 1 to 100"),
    (lambda r: r.events(limit=2**64), "limit must be from 1"),
    (lambda r: r.events(since="99999999999d"), "too long ago"),
    (lambda r: r.scores(limit=2**64), "limit must be from 1"),
    (lambda r: r.scores(run_id=2**64), "run_id must be from 1"),
    (lambda r: r.load_scores(2**64), "score set id must be from 1"),
    (lambda r: r.scoring_test_results("churn:1", limit=2**40), "limit must be from 1"),
]


def test_other_numbers_are_bounded(tracked):
    for call, words in OTHER_CASES:
        with pytest.raises(InvalidInput, match=words):
            call(tracked)


CLI_CASES = [
    (["show", f"risk/churn:{HUGE}"], "version numbers run from 1 to 2147483647"),
    (["lineage", f"churn:{HUGE}"], "version numbers run from 1"),
    (["lineage", "churn:1", "--depth", "1000000000000"], "depth must be from 1 to 100"),
    (["events", "--ref", f"churn:{HUGE}"], "version numbers run from 1"),
    (["events", "--since", "99999999999d"], "too long ago"),
    (["events", "--limit", HUGE], "limit must be from 1"),
    (["list", "--since", "99999999999d"], "too long ago"),
    (["list", "--limit", HUGE], "limit must be from 1"),
    (["compare", f"churn:{HUGE}", "churn:1"], "version numbers run from 1"),
    (["alias", f"churn:{HUGE}", "champion"], "version numbers run from 1"),
    (["scores", f"churn:{HUGE}"], "version numbers run from 1"),
    (["runs", "show", HUGE], "run id must be from 0 to 9223372036854775807"),
    (["runs", "cancel", HUGE], "run id must be from 0"),
    (["runs", "list", "--limit", HUGE], "limit must be from 1"),
]


def test_cli_bounds_are_one_line_errors(tracked, monkeypatch, capsys):
    monkeypatch.setenv("MMDS_URL", tracked.url)
    monkeypatch.setenv("MMDS_HOME", tracked.home)
    for args, words in CLI_CASES:
        assert main(args) == 1, args
        err = capsys.readouterr().err
        assert err.startswith("mmds: error: ") and words in err and err.count("\n") == 1, err


@pytest.fixture
def ip(sqlite_reg, cancer):
    model = LogisticRegression(max_iter=3000).fit(cancer["X_train"][COLS], cancer["y_train"])
    sqlite_reg.track(model, name="churn", project="risk")
    mmds_jupyter.connect(url=sqlite_reg.url, home=sqlite_reg.home, actor="maya")
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "mmds_jupyter")
    yield shell
    shell.reset()
    mmds_jupyter.default_registry().close()


MAGIC_CASES = [
    (f"show churn:{HUGE}", "version numbers run from 1"),
    (f"load churn:{HUGE} --as m", "version numbers run from 1"),
    ("lineage churn:1 --depth 1000000000000", "depth must be from 1 to 100"),
    ("events --since 99999999999d", "too long ago"),
    (f"events --limit {HUGE}", "limit must be from 1"),
    ("list --since 99999999999d", "too long ago"),
    (f"list --limit {HUGE}", "limit must be from 1"),
]


def test_magic_bounds_are_usage_errors(ip):
    for line, words in MAGIC_CASES:
        with pytest.raises(UsageError, match=words):
            ip.run_line_magic("mmds", line)
