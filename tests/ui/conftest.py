"""Real JupyterLab on a free port, a registry of real models, and headless Chromium."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("MMDS_CHROMIUM", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() == "true"
SCREENSHOTS = Path(__file__).parent / "screenshots"
XSS = "<img src=x onerror=alert(1)>"
BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class Lab:
    url: str
    token: str
    root: Path
    env: dict[str, str]

    def api(self, path: str) -> bytes:
        req = urllib.request.Request(
            f"{self.url}{path}", headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            return bytes(resp.read())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _fill_registry(url: str, home: str) -> None:
    from sklearn.datasets import load_breast_cancer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split

    from mmds_jupyter.registry import Registry

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X = X.iloc[:, :6].copy()
    X.columns = [c.replace(" ", "_") for c in X.columns]
    X["country"] = (["US", "DE", "FR"] * len(X))[: len(X)]
    Xtr, Xte, ytr, yte = train_test_split(X, y, random_state=0, stratify=y)
    num = [c for c in X.columns if c != "country"]
    reg = Registry(url=url, home=home, actor="maya")
    kw: dict[str, Any] = dict(
        project="risk", X_test=Xte, y_test=yte, slices=["country"], X_train=Xtr[num], y_train=ytr
    )
    reg.track(
        LogisticRegression(max_iter=1000).fit(Xtr[num], ytr),
        name="churn",
        tags={"team": "credit"},
        **kw,
    )
    reg.track(
        RandomForestClassifier(n_estimators=20, random_state=0).fit(Xtr[num], ytr),
        name="churn",
        parent="risk/churn:1",
        tags={"note": XSS},
        description=f"Random forest; reviewer wrote {XSS}",
        **kw,
    )
    few = num[:2]
    odd = Xtr[few].rename(columns={few[0]: XSS})
    reg.track(
        LogisticRegression().fit(odd, ytr),
        name="odd",
        project="risk",
        X_test=Xte[few].rename(columns={few[0]: XSS}),
        y_test=yte,
    )
    reg.set_stage("risk/churn:2", "validation", reason="better roc_auc")
    reg.close()


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail(f"Chromium is required under CI=true but {CHROMIUM} is missing.")
        pytest.skip(f"no Chromium at {CHROMIUM} (set MMDS_CHROMIUM to another binary)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        if IN_CI:
            pytest.fail("python playwright is required under CI=true")
        pytest.skip("python playwright is not installed")
    return CHROMIUM


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[Lab]:
    """JupyterLab with the installed MMDS extensions, token auth, a temp root dir."""
    base = tmp_path_factory.mktemp("lab")
    url, home = f"sqlite:///{base / 'mmds.db'}", str(base / "home")
    _fill_registry(url, home)
    with running_lab(base, {"MMDS_URL": url, "MMDS_HOME": home, "MMDS_USER": "maya"}) as server:
        yield server


@contextmanager
def running_lab(base: Path, mmds_env: dict[str, str]) -> Iterator[Lab]:
    """A JupyterLab process under ``base`` whose MMDS settings are ``mmds_env`` (a registry's
    database, or the URL and token of a team's `mmds server`)."""
    root = base / "root"
    root.mkdir()
    # No news toast over the screenshots.
    settings = base / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    token = secrets.token_hex(16)
    port = _free_port()
    env = {
        **os.environ,
        **mmds_env,
        "JUPYTER_CONFIG_DIR": str(base / "config"),
        "JUPYTER_RUNTIME_DIR": str(base / "rt"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "JUPYTERLAB_SETTINGS_DIR": str(base / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(base / "workspaces"),
    }
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.allow_unauthenticated_access=False",
        "--allow-root",
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    log = open(base / "lab.log", "wb")  # noqa: SIM115 - closed at teardown
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    server = Lab(f"http://127.0.0.1:{port}", token, root, env)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                server.api("/api/status")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "JupyterLab did not start:\n" + (base / "lab.log").read_text()[-3000:]
                    ) from None
                time.sleep(0.5)
        try:
            server.api("/mmds/api/")
        except OSError as exc:
            raise RuntimeError(
                f"The MMDS server extension is not enabled ({exc}); install the "
                "package first: pip install -e ."
            ) from None
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)
        log.close()


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=BROWSER_ARGS)
        yield b
        b.close()


def reset_workspace(lab: Lab) -> None:
    """Forget JupyterLab's default workspace (its open tabs and layout) on the server."""
    req = urllib.request.Request(
        f"{lab.url}/lab/api/workspaces/default",
        method="DELETE",
        headers={"Authorization": f"token {lab.token}"},
    )
    try:
        with urllib.request.urlopen(req, timeout=10):
            pass
    except urllib.error.HTTPError as err:
        if err.code != 404:  # no workspace saved yet
            raise


@pytest.fixture
def page(browser: Any, lab: Lab) -> Iterator[Any]:
    """A JupyterLab page; any alert() (an escaped payload firing) fails the test."""
    with lab_page(browser, lab) as pg:
        yield pg


@contextmanager
def lab_page(browser: Any, lab: Lab) -> Iterator[Any]:
    """A page of ``lab`` opened on an empty workspace; a dialog or an MMDS error fails."""
    SCREENSHOTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    pg = context.new_page()
    dialogs: list[str] = []
    errors: list[str] = []

    def on_dialog(d: Any) -> None:
        if d.type == "beforeunload":  # a test's reload while a restored document is dirty
            d.accept()
            return
        dialogs.append(d.message)
        d.dismiss()

    pg.on("dialog", on_dialog)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    # Each test starts from an empty workspace: what an earlier test left open (a notebook with
    # unsaved outputs, comparisons) is not restored into this one.
    reset_workspace(lab)
    pg.goto(f"{lab.url}/lab?token={lab.token}")
    pg.wait_for_selector("#jp-main-dock-panel", timeout=60_000)
    yield pg
    context.close()
    assert not dialogs, f"a dialog opened: {dialogs}"
    assert not [e for e in errors if "mmds" in e.lower()], errors


def which_jupyter_execute() -> str:
    exe = Path(sys.executable).with_name("jupyter-execute")
    return str(exe) if exe.exists() else (shutil.which("jupyter-execute") or "jupyter-execute")
