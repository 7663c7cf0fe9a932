"""Names, tags, descriptions and reasons are checked (length, characters) before anything is
written, the same on SQLite and PostgreSQL (which refuses NUL and over-long values with a raw
database error, after the model file was written)."""

from __future__ import annotations

from pathlib import Path

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from sklearn.linear_model import LogisticRegression

import mmds_jupyter
from mmds_jupyter.cli import main
from mmds_jupyter.errors import InvalidInput
from mmds_jupyter.refs import MAX_NAME, MAX_TAG_VALUE, MAX_TEXT
from mmds_jupyter.scheduler import MMDSScheduler, Scheduler

COLS = ["mean_radius", "mean_texture"]
NOTEBOOKS = Path(__file__).parent / "scheduler" / "notebooks"


@pytest.fixture
def model(cancer):
    return LogisticRegression(max_iter=3000).fit(cancer["X_train"][COLS], cancer["y_train"])


def _files(reg) -> list[Path]:
    """The files in the artifact store's folders (model files and any temporaries)."""
    return sorted(p for p in reg.artifacts.root.glob("*/*") if p.is_file())


BAD_TRACKS = [
    (
        {"name": "m" * (MAX_NAME + 1)},
        f"model name is {MAX_NAME + 1} characters; at most {MAX_NAME} fit",
    ),
    ({"project": "p" * (MAX_NAME + 1)}, f"project name is {MAX_NAME + 1} characters"),
    (
        {"tags": {"k" * (MAX_NAME + 1): "v"}},
        f"A tag key is {MAX_NAME + 1} characters long; at most {MAX_NAME}",
    ),
    ({"tags": {"team": "v" * (MAX_TAG_VALUE + 1)}}, "tag 'team' is 1001 characters long"),
    ({"tags": {"team": "a\x00b"}}, "control character '\\x00' at position 1"),
    ({"tags": {"te\x00am": "x"}}, "A tag key holds the control character '\\x00'"),
    ({"tags": {"a=b": "x"}}, "without '='"),
    ({"tags": {"": "x"}}, "non-empty key"),
    ({"tags": ["team"]}, "Tags are a dict"),
    ({"description": "d" * (MAX_TEXT + 1)}, "The description is 8001 characters long"),
    ({"description": "nul\x00here"}, "The description holds the control character '\\x00'"),
    ({"description": "bell\x07"}, "control character '\\x07'"),
    ({"description": 42}, "The description must be text"),
]


def test_bad_texts_are_refused_before_anything_is_written(reg, model, cancer):
    for kwargs, words in BAD_TRACKS:
        args = {"name": "churn", "project": "risk", **kwargs}
        with pytest.raises(InvalidInput) as refused:
            reg.track(model, X_test=cancer["X_test"], y_test=cancer["y_test"], **args)
        assert words in str(refused.value), (kwargs, str(refused.value))
    assert _files(reg) == []  # not even the model file
    assert reg.find().empty and reg.events(limit=None).empty


def test_texts_at_the_limits_are_stored_whole(reg, model):
    long_name = "m" * MAX_NAME
    tags = {"k" * MAX_NAME: "v" * MAX_TAG_VALUE, "tabs": "a\tb\nc", "n": 3}
    description = "é" * MAX_TEXT  # characters, not bytes: 16 KB of UTF-8
    v = reg.track(model, name=long_name, project="p" * MAX_NAME, tags=tags, description=description)
    got = reg.get(v.ref)
    assert got.name == long_name and got.description == description
    assert got.tags == {**tags, "n": "3"}
    reg.alias(v.ref, "a" * MAX_NAME)
    assert reg.get(f"{'p' * MAX_NAME}/{long_name}@{'a' * MAX_NAME}").id == v.id


def test_stage_reasons_are_checked(reg, model):
    v = reg.track(model, name="churn")
    for reason, words in (
        ("r" * (MAX_TEXT + 1), "The reason is 8001 characters long"),
        ("with\x00nul", "The reason holds the control character"),
    ):
        with pytest.raises(InvalidInput, match=words):
            reg.set_stage(v.ref, "validation", reason=reason)
    assert reg.get(v.ref).stage == "development"
    assert list(reg.events(limit=None)["action"]) == ["version.create"]
    with pytest.raises(InvalidInput, match=f"alias name is {MAX_NAME + 1} characters"):
        reg.alias(v.ref, "a" * (MAX_NAME + 1))
    assert reg.set_stage(v.ref, "validation", reason="r" * MAX_TEXT).stage == "validation"


def test_pmml_import_checks_texts_before_writing(reg, model, tmp_path):
    path = tmp_path / "m.pmml"
    reg.track(model, name="source")
    reg.export_pmml("source:1", str(path))
    before = _files(reg)
    for kwargs, words in (
        ({"tags": {"team": "a\x00b"}}, "control character"),
        ({"description": "d" * (MAX_TEXT + 1)}, "8001 characters"),
        ({"name": "n" * (MAX_NAME + 1)}, f"model name is {MAX_NAME + 1} characters"),
    ):
        args = {"name": "imported", **kwargs}
        with pytest.raises(InvalidInput, match=words):
            reg.import_pmml(str(path), **args)
    assert _files(reg) == before
    assert list(reg.find()["name"]) == ["source"]


def test_job_descriptions_are_checked(reg, tmp_path, model):
    reg.track(model, name="churn")
    sched = Scheduler(reg, MMDSScheduler(root_dir=str(NOTEBOOKS)))
    for description, words in (
        ("x" * (MAX_TEXT + 1), "The job's description is 8001 characters long"),
        ("a\x00b", "The job's description holds the control character"),
    ):
        with pytest.raises(InvalidInput, match=words):
            sched.create("nightly", "score.ipynb", description=description)
    with pytest.raises(InvalidInput, match=f"job name is {MAX_NAME + 1} characters"):
        sched.create("j" * (MAX_NAME + 1), "score.ipynb")
    assert sched.list() == []
    job = sched.create("nightly", "score.ipynb", description="d" * MAX_TEXT)
    assert sched.get("nightly").description == job.description == "d" * MAX_TEXT


def test_cli_and_magic_refuse_bad_texts(sqlite_reg, model, cancer, monkeypatch, capsys):
    v = sqlite_reg.track(model, name="churn")
    monkeypatch.setenv("MMDS_URL", sqlite_reg.url)
    monkeypatch.setenv("MMDS_HOME", sqlite_reg.home)
    assert main(["stage", v.ref, "validation", "--reason", "r" * (MAX_TEXT + 1)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("mmds: error: The reason is 8001 characters") and err.count("\n") == 1
    assert main(["alias", v.ref, "a" * (MAX_NAME + 1)]) == 1
    assert f"alias name is {MAX_NAME + 1} characters" in capsys.readouterr().err

    mmds_jupyter.connect(url=sqlite_reg.url, home=sqlite_reg.home, actor="maya")
    shell = InteractiveShell.instance()
    try:
        shell.run_line_magic("load_ext", "mmds_jupyter")
        shell.user_ns.update(clf=model)
        with pytest.raises(UsageError, match="tag 'team' is 1001 characters long"):
            shell.run_line_magic("mmds", f"track clf --name other --tag team={'v' * 1001}")
        with pytest.raises(UsageError, match="The reason is 8001 characters"):
            shell.run_line_magic("mmds", f"stage {v.ref} validation --reason {'r' * 8001}")
    finally:
        shell.reset()
        mmds_jupyter.default_registry().close()
    assert list(sqlite_reg.find()["name"]) == ["churn"]
    assert len(_files(sqlite_reg)) == 1


def test_user_names_are_checked(tmp_path):
    from mmds_jupyter.registry import Registry

    url = f"sqlite:///{tmp_path / 'mmds.db'}"
    for actor, words in (("u" * (MAX_NAME + 1), "151 characters long"), ("a\x00b", "control")):
        with pytest.raises(InvalidInput, match=f"The user name \\(MMDS_USER\\).*{words}"):
            Registry(url=url, home=str(tmp_path), actor=actor)
    Registry(url=url, home=str(tmp_path), actor="u" * MAX_NAME).close()
