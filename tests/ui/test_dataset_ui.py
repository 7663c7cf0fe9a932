"""A data set's page in the main area: opened from the lineage graph and from a version's data
set table, checked against the REST answer, with links through to the versions that used it."""

from __future__ import annotations

import json
import urllib.error
from typing import Any

import pytest

from .conftest import SCREENSHOTS, Lab, lab_page, running_lab
from .test_panel import open_panel
from .test_theme import AA, THEMES, check, set_theme
from .test_workspace_ui import api_json, tabs

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def api(lab: Lab, path: str) -> Any:
    return json.loads(lab.api(f"/mmds/api/{path}"))


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def test_a_data_set_page_from_the_lineage_and_on_to_a_version(page: Any, lab: Lab) -> None:
    assert AA == 4.5
    panel = open_panel(page)
    panel.locator(".mmds-result[data-ref='risk/churn:2'] .mmds-ref").click()
    version = page.locator(".mmds-view:visible").last
    version.locator("svg.mmds-lineage").wait_for(timeout=30_000)
    lineage = api(lab, "versions/risk%2Fchurn%3A2/lineage")
    test_node = next(
        n for n in lineage["nodes"] if n["kind"] == "dataset" and n["label"].startswith("test ")
    )
    content_hash = test_node["detail"]["content_hash"]
    expected = api(lab, f"datasets/{content_hash}")

    node = version.locator(f"g.mmds-node-dataset[data-key='{test_node['key']}']")
    assert node.get_attribute("role") == "button"
    node.click()
    view = page.locator(".mmds-dataset-view:visible")
    view.locator("table.mmds-dataset-schema").wait_for(timeout=30_000)

    # The page says what the REST answer says.
    assert view.locator("h2").inner_text() == expected["name"] == "test"
    shape = f"{expected['n_rows']} rows × {expected['n_cols']} columns"
    assert view.locator(".mmds-dataset-shape").inner_text() == shape
    assert view.locator("code.mmds-hash").inner_text() == content_hash
    rows = view.locator("table.mmds-dataset-schema tr")
    assert rows.count() == 1 + len(expected["schema"]) == 1 + expected["n_cols"]
    cells = {
        r.locator("td").first.inner_text(): [c.inner_text() for c in r.locator("td").all()]
        for r in rows.all()[1:]
    }
    assert set(cells) == set(expected["schema"])
    country = cells["country"]
    assert country[1] == expected["schema"]["country"]
    top = expected["stats"]["country"]["top"]
    for value, count in top.items():
        assert f"{value} ({count})" in country[6]
    radius = cells["mean_radius"]
    stats = expected["stats"]["mean_radius"]
    assert radius[1] == "float64" and radius[2] == str(stats["nulls"])
    assert float(radius[3]) == pytest.approx(stats["min"], rel=1e-3)
    assert float(radius[5]) == pytest.approx(stats["max"], rel=1e-3)
    tested = [b.inner_text() for b in view.locator(".mmds-dataset-tested .mmds-link").all()]
    assert tested == [v["ref"] for v in expected["tested_on"]]
    assert {"risk/churn:1", "risk/churn:2"} <= set(tested)
    assert (
        "No version you may read was trained" in view.locator(".mmds-dataset-trained").inner_text()
    )
    assert expected["trained_on"] == []

    # The open page follows the registry: a stage moved elsewhere shows without a reload.
    from mmds_jupyter.registry import Registry

    entry = view.locator(".mmds-dataset-tested li", has_text="risk/churn:1")
    assert "development" in entry.inner_text()
    reg = Registry(url=lab.env["MMDS_URL"], home=lab.env["MMDS_HOME"], actor="maya")
    try:
        reg.set_stage("risk/churn:1", "validation", reason="data set page test")
        entry.locator(".mmds-stage", has_text="validation").wait_for(timeout=30_000)
    finally:
        reg.set_stage("risk/churn:1", "development", reason="back as the fixture had it")
        reg.close()
    entry.locator(".mmds-stage", has_text="development").wait_for(timeout=30_000)

    # Readable in light and dark, with screenshots of both.
    bad: list[str] = []
    for name, theme in THEMES.items():
        set_theme(page, theme)
        check(
            page,
            f"data set page ({name})",
            [".mmds-dataset-view h2", ".mmds-dataset-schema td", ".mmds-dataset-view .mmds-link"],
            bad,
        )
        shot(page, f"30-dataset-page-{name}")
    set_theme(page, THEMES["light"])
    assert not bad, "\n".join(bad)

    # From the version page's data set table: the same page comes forward, not a second one.
    page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="risk/churn:2").click()
    version = page.locator(".mmds-view:visible").last
    version.locator("table.mmds-version-datasets").wait_for(timeout=30_000)
    version.locator(
        f"table.mmds-version-datasets .mmds-dataset-link[title*='{content_hash[:12]}']"
    ).first.click()
    view = page.locator(".mmds-dataset-view:visible")
    view.locator("table.mmds-dataset-schema").wait_for(timeout=30_000)
    assert page.locator(".mmds-dataset-view").count() == 1

    # The training set's page from the table, then on to a version trained on it.
    train = next(
        d
        for d in api(lab, "versions/risk%2Fchurn%3A2")["datasets"]
        if d["relation"] == "trained_on"
    )
    page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="risk/churn:2").click()
    version = page.locator(".mmds-view:visible").last
    version.locator(
        f"table.mmds-version-datasets .mmds-dataset-link[title*='{train['content_hash'][:12]}']"
    ).first.click()
    view = page.locator(".mmds-dataset-view:visible")
    view.locator(".mmds-dataset-trained .mmds-link").first.wait_for(timeout=30_000)
    assert view.locator("code.mmds-hash").inner_text() == train["content_hash"]
    trained = api(lab, f"datasets/{train['content_hash'][:8]}")["trained_on"]
    links = view.locator(".mmds-dataset-trained .mmds-link")
    assert [b.inner_text() for b in links.all()] == [v["ref"] for v in trained]
    links.filter(has_text="risk/churn:1").click()
    opened = page.locator(".mmds-view:visible").last
    opened.locator(".mmds-version-header h2").wait_for(timeout=30_000)
    assert opened.locator(".mmds-version-header h2").inner_text() == "risk/churn:1"
    shot(page, "31-dataset-to-version")

    # The data set pages come back after a reload (once JupyterLab saved its workspace).
    def saved() -> bool:
        data = api_json(lab, "/lab/api/workspaces/default")["data"]
        keys = [k for k in data if k.startswith("mmds-dataset:")]
        layout = json.dumps(data.get("layout-restorer:data") or {})
        return len(keys) == 2 and all(json.dumps(k)[1:-1] in layout for k in keys)

    for _ in range(20):
        page.wait_for_timeout(1000)
        page.wait_for_load_state("networkidle")
        if saved():
            break
        tabs(page, f"test {content_hash[:10]}").click()
    else:
        pytest.fail("JupyterLab never saved the data set pages in its workspace")
    page.reload()
    page.wait_for_selector("#jp-main-dock-panel", timeout=60_000)
    tab = tabs(page, f"test {content_hash[:10]}")
    tab.wait_for(timeout=60_000)
    tab.click()
    view = page.locator(".mmds-dataset-view:visible")
    view.locator("table.mmds-dataset-schema").wait_for(timeout=30_000)
    assert view.locator("code.mmds-hash").inner_text() == content_hash
    assert tabs(page, f"train {train['content_hash'][:10]}").count() == 1
    shot(page, "32-dataset-after-reload")


def api_error(lab: Lab, path: str) -> tuple[int, str]:
    """The status and message of a REST call that the server refuses."""
    try:
        lab.api(f"/mmds/api/{path}")
    except urllib.error.HTTPError as err:
        return err.code, str(json.loads(err.read())["message"])
    raise AssertionError(f"{path} was answered")


def palette(page: Any, text: str) -> None:
    """Run the command-palette entry ``text`` as a person does: Ctrl+Shift+C, type, Enter."""
    # Let JupyterLab finish what it posted (a closed palette or dialog activates the current
    # tab on a later frame, which takes the focus from a palette opened before then).
    page.wait_for_load_state("networkidle")
    page.evaluate(
        "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r())))"
    )
    search = page.locator(".lm-CommandPalette-input")
    page.keyboard.press("Control+Shift+C")
    search.wait_for(timeout=10_000)
    search.fill(text)
    # Enter runs the active item: wait until the filtered list has made it this one.
    page.locator(".lm-CommandPalette-item.lm-mod-active", has_text=text).wait_for()
    search.press("Enter")


def started(page: Any) -> None:
    """Wait until JupyterLab has started its extensions (the MMDS sidebar tab is there) and
    settled: a shortcut pressed before then goes nowhere, or its palette loses the focus."""
    page.locator("li.lm-TabBar-tab[data-id='mmds-panel']").wait_for(timeout=60_000)
    page.wait_for_load_state("networkidle")
    # Its last step of starting: the current tab (the Launcher) takes the focus.
    page.wait_for_function(
        "() => document.querySelector('#jp-main-dock-panel').contains(document.activeElement)",
        timeout=30_000,
    )


def ask_dataset(page: Any, text: str) -> Any:
    """The palette's "Open data set…", ``text`` typed in its dialog (not yet sent)."""
    palette(page, "Open data set…")
    dialog = page.locator(".jp-Dialog", has_text="Open data set")
    field = dialog.locator("input")
    field.wait_for(timeout=10_000)
    field.fill(text)
    return dialog  # its input's Enter sends it


def test_palette_opens_a_data_set_by_a_prefix_of_its_hash(page: Any, lab: Lab) -> None:
    train = next(
        d
        for d in api(lab, "versions/risk%2Fchurn%3A2")["datasets"]
        if d["relation"] == "trained_on"
    )
    content_hash = train["content_hash"]
    prefix = content_hash[:8]
    expected = api(lab, f"datasets/{prefix}")
    assert expected["content_hash"] == content_hash  # the prefix names this one data set
    # Not a data set: an unknown prefix (404), and text that is no hash at all (400).
    unknown = "0123abcd" if not content_hash.startswith("0123abcd") else "fedc9876"
    refusals = {text: api_error(lab, f"datasets/{text}") for text in (unknown, "churn")}
    assert [status for status, _ in refusals.values()] == [404, 400]
    started(page)

    for theme, name in THEMES.items():
        set_theme(page, name)
        dialog = ask_dataset(page, prefix)
        shot(page, f"33-open-dataset-ask-{theme}")
        dialog.locator("input").press("Enter")
        dialog.wait_for(state="detached")
        view = page.locator(".mmds-dataset-view:visible")
        view.locator("table.mmds-dataset-schema").wait_for(timeout=30_000)

        # The page of the data set the prefix names, as the REST answer has it; one tab, by
        # its full hash, however often it is asked for.
        assert page.locator(".mmds-dataset-view").count() == 1
        assert tabs(page, f"{expected['name']} {content_hash[:10]}").count() == 1
        assert view.locator("code.mmds-hash").inner_text() == content_hash
        assert view.locator("h2").inner_text() == expected["name"] == "train"
        shape = f"{expected['n_rows']} rows × {expected['n_cols']} columns"
        assert view.locator(".mmds-dataset-shape").inner_text() == shape
        rows = view.locator("table.mmds-dataset-schema tr")
        assert rows.count() == 1 + len(expected["schema"])
        trained = [b.inner_text() for b in view.locator(".mmds-dataset-trained .mmds-link").all()]
        assert trained == [v["ref"] for v in expected["trained_on"]]
        assert "risk/churn:2" in trained
        shot(page, f"34-open-dataset-page-{theme}")

        # A bad prefix: the server's one error in a dialog, and no tab opened.
        for text, (_, message) in refusals.items():
            ask_dataset(page, text).locator("input").press("Enter")
            error = page.locator(".jp-Dialog", has_text="Cannot open the data set")
            error.wait_for(timeout=10_000)
            assert error.locator(".jp-Dialog-body").inner_text().strip() == message
            if text == unknown:
                shot(page, f"35-open-dataset-unknown-{theme}")
            error.locator("button", has_text="Close").click()
            error.wait_for(state="detached")
            assert page.locator(".mmds-dataset-view").count() == 1
        # Cancelled: nothing asked, nothing opened.
        dialog = ask_dataset(page, prefix)
        dialog.locator("button", has_text="Cancel").click()
        dialog.wait_for(state="detached")
        assert page.locator(".mmds-dataset-view").count() == 1
    set_theme(page, THEMES["light"])


def test_palette_says_a_prefix_names_more_than_one_data_set(
    browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Two data sets whose hashes share their first 8 digits (in a registry of their own):
    those 8 are refused with the server's one error; one digit more opens the page."""
    from mmds_jupyter.registry import Registry
    from tests.test_search_filters import add

    base = tmp_path_factory.mktemp("lab-twins")
    url, home = f"sqlite:///{base / 'mmds.db'}", str(base / "home")
    reg = Registry(url=url, home=home, actor="maya")
    try:
        ref = add(reg, "twins", train="abcdef01a" + "0" * 55, test="abcdef01b" + "0" * 55)
    finally:
        reg.close()
    with (
        running_lab(base, {"MMDS_URL": url, "MMDS_HOME": home, "MMDS_USER": "maya"}) as twins,
        lab_page(browser, twins) as page,
    ):
        started(page)
        status, message = api_error(twins, "datasets/abcdef01")
        assert status == 409 and "more than one data set" in message
        for theme, name in THEMES.items():
            set_theme(page, name)
            ask_dataset(page, "abcdef01").locator("input").press("Enter")
            error = page.locator(".jp-Dialog", has_text="Cannot open the data set")
            error.wait_for(timeout=10_000)
            assert error.locator(".jp-Dialog-body").inner_text().strip() == message
            shot(page, f"36-open-dataset-ambiguous-{theme}")
            error.locator("button", has_text="Close").click()
            error.wait_for(state="detached")
            assert page.locator(".mmds-dataset-view").count() == 0
        set_theme(page, THEMES["light"])
        ask_dataset(page, "ABCDEF01B").locator("input").press("Enter")
        view = page.locator(".mmds-dataset-view:visible")
        view.locator(".mmds-dataset-tested .mmds-link").first.wait_for(timeout=30_000)
        assert view.locator("code.mmds-hash").inner_text() == "abcdef01b" + "0" * 55
        tested = api(twins, "datasets/abcdef01b")["tested_on"]
        assert (
            [b.inner_text() for b in view.locator(".mmds-dataset-tested .mmds-link").all()]
            == [v["ref"] for v in tested]
            == [ref]
        )
