"""One capture pipeline: the same mistakes get the same error from track and import_pmml,
through Python, the magic and REST.

The PMML model is the scikit-learn model exported, so both take the same inputs and give the
same outputs: every message must then be equal, word for word. (REST captures PMML only: an
estimator lives in a kernel, a PMML document travels as text.)
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from sklearn.linear_model import LogisticRegression

import mmds_jupyter as mmds
from mmds_jupyter.errors import MMDSError
from mmds_jupyter.refs import MAX_TAG_VALUE, MAX_TEXT
from mmds_jupyter.registry import Registry

pytestmark = pytest.mark.timeout(300)
COLS = ["mean_radius", "mean_texture", "zip_code"]


@pytest.fixture
def capture_registry(tmp_path: Path, cancer: Any) -> Iterator[dict[str, Any]]:
    """A registry of its own holding risk/source:1, and that model exported as PMML."""
    url, home = f"sqlite:///{tmp_path / 'mmds.db'}", str(tmp_path / "home")
    reg = Registry(url=url, home=home, actor="maya")
    model = LogisticRegression(max_iter=3000).fit(cancer["X_train"][COLS], cancer["y_train"])
    source = reg.track(
        model, name="source", project="risk", X_test=cancer["X_test"], y_test=cancer["y_test"]
    )
    path = tmp_path / "churn.pmml"
    reg.export_pmml(source.ref, str(path))
    reg.close()
    yield {"url": url, "home": home, "model": model, "pmml": path}


@pytest.fixture
def jp_server_config(capture_registry: dict[str, Any]) -> dict[str, Any]:
    return {
        "ServerApp": {
            "jpserver_extensions": {"mmds_jupyter.server": True},
            "allow_unauthenticated_access": False,
        },
        "MMDS": {"url": capture_registry["url"], "home": capture_registry["home"]},
    }


@pytest.fixture
def ip(capture_registry: dict[str, Any]) -> Iterator[InteractiveShell]:
    mmds.connect(url=capture_registry["url"], home=capture_registry["home"], actor="maya")
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "mmds_jupyter")
    shell.user_ns["churn"] = capture_registry["model"]
    yield shell
    shell.reset()
    mmds.default_registry().close()


def mistakes(cancer: Any) -> dict[str, dict[str, Any]]:
    """Each mistake as the arguments of mmds.track / mmds.import_pmml."""
    X_test, y_test = cancer["X_test"], cancer["y_test"]
    X_train, y_train = cancer["X_train"], cancer["y_train"]
    return {
        "unknown slice column": {"X_test": X_test, "y_test": y_test, "slices": ["nope"]},
        "X_test without y_test": {"X_test": X_test},
        "y_test without X_test": {"y_test": y_test},
        "y_test of another length": {"X_test": X_test, "y_test": y_test[:5]},
        "test set lacks an input": {"X_test": X_test.drop(columns=["zip_code"]), "y_test": y_test},
        "test target with an unknown label": {"X_test": X_test, "y_test": y_test.replace(1, 7)},
        "slices without test data": {"slices": ["country"]},
        "bad name": {"name": "bad name!"},
        "bad tag": {"tags": {"team": "v" * (MAX_TAG_VALUE + 1)}},
        "description too long": {"description": "d" * (MAX_TEXT + 1)},
        "y_train of another length": {"X_train": X_train, "y_train": y_train[:5]},
        "y_train without X_train": {"y_train": y_train},
        "unknown parent": {"parent": "ghost:1"},
    }


def refusal(call: Any) -> MMDSError:
    with pytest.raises(MMDSError) as info:
        call()
    return info.value


def magic_options(shell: InteractiveShell, kwargs: dict[str, Any]) -> str:
    """The magic's options for these arguments, data passed as notebook variables (a missing
    half of a pair is a variable that holds None, as a notebook's unset variable would)."""
    names: list[str] = []

    def var(value: Any) -> str:
        if value is None:
            return "None"
        name = f"data{len(names)}"
        shell.user_ns[name] = value
        names.append(name)
        return name

    words = ["--name", kwargs.get("name", "churn"), "--project", "capture"]
    for option, X, y in (("--test", "X_test", "y_test"), ("--train", "X_train", "y_train")):
        if X in kwargs or y in kwargs:
            words += [option, var(kwargs.get(X)), var(kwargs.get(y))]
    if "slices" in kwargs:
        words += ["--slice", *kwargs["slices"]]
    for key, value in kwargs.get("tags", {}).items():
        words += ["--tag", f"{key}={value}"]
    for option in ("parent", "description"):
        if option in kwargs:
            words += [f"--{option}", kwargs[option]]
    return " ".join(shlex.quote(w) for w in words)


def rest_body(pmml: Path, kwargs: dict[str, Any]) -> bytes:
    body: dict[str, Any] = {"pmml": pmml.read_text(), "name": "churn", "project": "capture"}
    for key, value in kwargs.items():
        if isinstance(value, pd.DataFrame):
            value = value.to_dict(orient="list")
        elif isinstance(value, pd.Series):
            value = value.tolist()
        body[key] = value
    return json.dumps(body).encode()


async def test_the_same_mistakes_get_the_same_errors_everywhere(
    jp_fetch: Any, capture_registry: dict[str, Any], ip: InteractiveShell, cancer: Any
) -> None:
    model, pmml = capture_registry["model"], capture_registry["pmml"]
    cases = mistakes(cancer)
    assert len(cases) >= 10
    for what, kwargs in cases.items():
        args = {"name": "churn", "project": "capture", **kwargs}
        tracked = refusal(lambda: mmds.track(model, **args))  # noqa: B023
        imported = refusal(lambda: mmds.import_pmml(str(pmml), **args))  # noqa: B023
        assert (type(imported), str(imported)) == (type(tracked), str(tracked)), what
        message = str(tracked)

        options = magic_options(ip, kwargs)
        for line in (f"track churn {options}", f"import-pmml {shlex.quote(str(pmml))} {options}"):
            with pytest.raises(UsageError) as info:
                ip.run_line_magic("mmds", line)
            assert str(info.value) == message, (what, line)

        resp = await jp_fetch(
            "mmds", "api", "pmml", "import", method="POST", body=rest_body(pmml, kwargs),
            raise_error=False,
        )  # fmt: skip
        assert resp.code == tracked.http_status, what
        assert json.loads(resp.body) == {"error": type(tracked).__name__, "message": message}

    reg = Registry(url=capture_registry["url"], home=capture_registry["home"])
    try:
        assert list(reg.find()["ref"]) == ["risk/source:1"]  # nothing half written
    finally:
        reg.close()


async def test_rest_imports_pmml_as_python_does(
    jp_fetch: Any, capture_registry: dict[str, Any], cancer: Any
) -> None:
    """A correct import over REST is the version Python makes: metrics per slice, both data
    sets fingerprinted, the parent and tags recorded."""
    kwargs = {
        "X_test": cancer["X_test"],
        "y_test": cancer["y_test"],
        "slices": ["country"],
        "X_train": cancer["X_train"],
        "y_train": cancer["y_train"],
        "parent": "risk/source:1",
        "tags": {"team": "credit"},
    }
    resp = await jp_fetch(
        "mmds", "api", "pmml", "import", method="POST",
        body=rest_body(capture_registry["pmml"], kwargs),
    )  # fmt: skip
    assert resp.code == 201
    v = json.loads(resp.body)
    assert v["ref"] == "capture/churn:1" and v["framework"] == "pmml"
    assert v["tags"] == {"team": "credit"}

    reg = Registry(url=capture_registry["url"], home=capture_registry["home"], actor="maya")
    try:
        over_rest = reg.get("capture/churn:1")
        in_python = reg.import_pmml(str(capture_registry["pmml"]), "churn", "capture", **kwargs)
        assert over_rest.parent_ref == in_python.parent_ref == "risk/source:1"
        assert over_rest.metrics == in_python.metrics  # values and test-set fingerprints
        assert over_rest.metric("roc_auc", "country=US") is not None
    finally:
        reg.close()

    async def data_sets(ref: str) -> dict[str, str]:
        detail = json.loads((await jp_fetch("mmds", "api", "versions", ref)).body)
        return {d["relation"]: d["content_hash"] for d in detail["datasets"]}

    rest_sets = await data_sets("capture/churn:1")
    assert set(rest_sets) == {"trained_on", "evaluated_on"}
    assert rest_sets == await data_sets("capture/churn:2")


def test_the_cli_imports_pmml_with_the_options_python_takes(
    capture_registry: dict[str, Any], cancer: Any, tmp_path: Path, capsys: Any
) -> None:
    """`mmds pmml import FILE --test F --train F --target Y --slice C ...` is the version that
    mmds.import_pmml makes, and a mistake gets the same message as from Python."""
    from mmds_jupyter.cli import main

    test, train = tmp_path / "test.parquet", tmp_path / "train.parquet"
    cancer["X_test"].assign(churned=cancer["y_test"]).to_parquet(test)
    cancer["X_train"].assign(churned=cancer["y_train"]).to_parquet(train)
    where = ["--url", capture_registry["url"], "--home", capture_registry["home"]]
    pmml = str(capture_registry["pmml"])
    argv = [*where, "pmml", "import", pmml, "--name", "churn", "--project", "capture"]
    options = ["--test", str(test), "--train", str(train), "--target", "churned"]
    assert main([*argv, *options, "--slice", "nope"]) == 1
    reg = Registry(url=capture_registry["url"], home=capture_registry["home"], actor="maya")
    try:
        python = refusal(
            lambda: reg.import_pmml(
                pmml, "churn", "capture", X_test=cancer["X_test"], y_test=cancer["y_test"],
                slices=["nope"],
            )
        )  # fmt: skip
        assert str(python) in capsys.readouterr().err
        assert main([*argv, *options, "--target", "ghost"]) == 1
        assert "no column 'ghost'" in capsys.readouterr().err
        extra = ["--slice", "country", "--parent", "risk/source:1", "--tag", "team=credit"]
        assert main([*argv, *options, *extra, "--json"]) == 0
        made = json.loads(capsys.readouterr().out)
        v = reg.get(made["ref"])
        assert v.parent_ref == "risk/source:1" and v.tags == {"team": "credit"}
        assert v.metric("roc_auc", "country=US") is not None
        same = reg.import_pmml(
            pmml, "churn", "capture", X_test=cancer["X_test"], y_test=cancer["y_test"],
            slices=["country"], X_train=cancer["X_train"], y_train=cancer["y_train"],
        )  # fmt: skip
        # The same values (the data sets' hashes differ: the file names its target "churned").
        assert [(m.name, m.slice, m.value) for m in v.metrics] == [
            (m.name, m.slice, m.value) for m in same.metrics
        ]
    finally:
        reg.close()
