"""Every colour the panel and the notebook outputs draw comes from JupyterLab's theme.

A colour literal (``#hex``, ``rgb()``/``hsl()``, a named colour such as ``white``) is allowed only
as the fallback of a ``var(--jp-..., fallback)``, for HTML read outside JupyterLab. Anything else
would stay the same in the dark theme and turn text unreadable, as it once did.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [
    *sorted((ROOT / "labextension" / "style").glob("*.css")),
    *sorted((ROOT / "labextension" / "src").glob("*.ts")),
    *sorted((ROOT / "mmds_jupyter").rglob("*.py")),
    *sorted((ROOT / "magics" / "mmds_magics").rglob("*.py")),
]
# The only exception: the panel's tab icon. JupyterLab's icon system repaints any element of
# class ``jp-icon3`` with the theme's icon colour (``.jp-icon3[fill]{fill: var(--jp-inverse-
# layout-color3)}``), so the literal is never shown; it is the idiom of JupyterLab's own icons.
ALLOWED = {("labextension/src/icon.ts", '<g class="jp-icon3" fill="#616161">')}

HEX = re.compile(r"(?<![\w&])#(?:[0-9a-fA-F]{8}|[0-9a-fA-F]{6}|[0-9a-fA-F]{3,4})(?![\w-])")
FUNC = re.compile(r"\b(?:rgba?|hsla?|hwb|lab|lch|oklab|oklch)\(", re.IGNORECASE)
NAMED = (
    "white|black|red|green|blue|yellow|orange|gray|grey|silver|purple|pink|brown|navy|teal|"
    "maroon|olive|lime|aqua|cyan|magenta|fuchsia|gold|beige|ivory|khaki|lavender|salmon|tomato|"
    "coral|crimson|indigo|violet|lightgr[ae]y|darkgr[ae]y|dimgr[ae]y|whitesmoke|gainsboro|"
    "lightblue|darkblue|lightgreen|darkgreen|lightyellow|darkred|skyblue|steelblue|seagreen"
)
# A named colour counts where a colour goes: a CSS property or an SVG/HTML colour attribute.
NAMED_COLOUR = re.compile(
    r"(?:color|background|fill|stroke|border|outline|shadow)[\w-]*\s*[:=]\s*['\"]?"
    r"[^;'\"{}<>\n]*?\b(" + NAMED + r")\b",
    re.IGNORECASE,
)


def blank_jp_fallbacks(text: str) -> str:
    """``text`` with the fallback of every ``var(--jp-NAME, fallback)`` blanked (same length)."""
    out = list(text)
    for m in re.finditer(r"var\(\s*--jp-[\w-]+\s*,", text):
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        for j in range(m.end(), i - 1):
            if out[j] != "\n":
                out[j] = " "
    return "".join(out)


def colour_literals(text: str) -> list[tuple[int, str]]:
    """(line number, line) of every hard-coded colour outside a ``--jp-`` fallback."""
    found = []
    lines = text.splitlines()
    for no, line in enumerate(blank_jp_fallbacks(text).splitlines(), 1):
        if HEX.search(line) or FUNC.search(line) or NAMED_COLOUR.search(line):
            found.append((no, lines[no - 1].strip()))
    return found


@pytest.mark.parametrize(
    "text",
    [
        ".a{color:#fff}",
        ".a{background: #fff4d6;}",
        ".a { fill: rgb(243, 243, 243) }",
        ".a { color: hsl(0 0% 20%) }",
        ".a { background-color: white }",
        "f\"<rect fill='#2e8b57'/>\"",
        "stroke='black'",
        ".a{color:var(--mmds-own, #222)}",
        ".a{background:color-mix(in srgb, var(--jp-brand-color1) 20%, #ff0)}",
        ".a{color:var(--jp-ui-font-color1,#000) ; background:#eee}",
    ],
)
def test_a_hard_coded_colour_is_found(text: str) -> None:
    assert colour_literals(text), text


@pytest.mark.parametrize(
    "text",
    [
        ".a{color:var(--jp-ui-font-color1)}",
        ".a{color:var(--jp-ui-font-color1, #000)}",
        ".a{background:var(--jp-layout-color1, var(--jp-layout-color0, white))}",
        ".a{background:color-mix(in srgb,var(--jp-brand-color1,#2196f3) 16%,transparent)}",
        "marker-end='url(#mmds-arrow)'",
        "fill='currentColor'",
        "# a comment about the colour of the sky",
        "ref = f'#{n}'",
    ],
)
def test_theme_colours_pass(text: str) -> None:
    assert colour_literals(text) == [], text


def test_no_hard_coded_colours_in_the_panel_or_the_notebook_outputs() -> None:
    assert any(p.suffix == ".css" for p in SOURCES)
    bad = []
    for path in SOURCES:
        rel = path.relative_to(ROOT).as_posix()
        for no, line in colour_literals(path.read_text(encoding="utf-8")):
            if (rel, line) not in ALLOWED:
                bad.append(f"{rel}:{no}: {line}")
    assert not bad, "hard-coded colours (use var(--jp-...), with a fallback in HTML):\n" + (
        "\n".join(bad)
    )
