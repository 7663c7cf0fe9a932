"""PMML documents generated at test time: large forests and deeply nested elements."""

from __future__ import annotations

from pathlib import Path

import numpy as np

HEAD = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4">\n'
    ' <Header description="generated"/>\n'
    ' <DataDictionary numberOfFields="{n}">\n'
    "{fields}"
    '  <DataField name="y" optype="categorical" dataType="integer">\n'
    '   <Value value="0"/>\n   <Value value="1"/>\n'
    "  </DataField>\n"
    " </DataDictionary>\n"
)


def _schema(features: int, indent: str, target: bool) -> str:
    lines = [f"{indent}<MiningSchema>\n"]
    if target:
        lines.append(f'{indent} <MiningField name="y" usageType="target"/>\n')
    lines += [f'{indent} <MiningField name="x{i}"/>\n' for i in range(features)]
    lines.append(f"{indent}</MiningSchema>\n")
    return "".join(lines)


def _tree(rng: np.random.Generator, depth: int, features: int, indent: str) -> str:
    """A full binary tree in the shape MMDS's exporter wrote it (indented, every attribute)."""
    out: list[str] = []
    counter = [0]

    def node(level: int, pad: str, predicate: str) -> None:
        index = counter[0]
        counter[0] += 1
        if level == depth:
            p = float(rng.random())
            n = float(rng.integers(1, 500))
            out.append(
                f'{pad}<Node id="{index}" score="{int(p > 0.5)}" recordCount="{n!r}">\n'
                f"{pad} {predicate}\n"
                f'{pad} <ScoreDistribution value="0" recordCount="{(1 - p) * n!r}" '
                f'probability="{1 - p!r}"/>\n'
                f'{pad} <ScoreDistribution value="1" recordCount="{p * n!r}" '
                f'probability="{p!r}"/>\n'
                f"{pad}</Node>\n"
            )
            return
        field = f"x{int(rng.integers(features))}"
        value = repr(float(rng.normal()))
        out.append(f'{pad}<Node id="{index}" defaultChild="{index + 1}">\n{pad} {predicate}\n')
        node(
            level + 1,
            pad + " ",
            f'<SimplePredicate field="{field}" operator="lessOrEqual" value="{value}"/>',
        )
        node(
            level + 1,
            pad + " ",
            f'<SimplePredicate field="{field}" operator="greaterThan" value="{value}"/>',
        )
        out.append(f"{pad}</Node>\n")

    node(0, indent, "<True/>")
    return "".join(out)


def write_forest(path: Path, target_bytes: int, *, depth: int = 12, features: int = 10) -> int:
    """Write a random-forest classifier of depth-`depth` trees until the file reaches
    target_bytes; return the number of trees."""
    rng = np.random.default_rng(0)
    fields = "".join(
        f'  <DataField name="x{i}" optype="continuous" dataType="double"/>\n'
        for i in range(features)
    )
    trees = 0
    with path.open("w", encoding="utf-8") as out:
        out.write(HEAD.format(n=features + 1, fields=fields))
        out.write(' <MiningModel functionName="classification">\n')
        out.write(_schema(features, "  ", True))
        out.write('  <Segmentation multipleModelMethod="average">\n')
        closing = "  </Segmentation>\n </MiningModel>\n</PMML>\n"
        while out.tell() + len(closing) < target_bytes:
            trees += 1
            out.write(f'   <Segment id="{trees}">\n    <True/>\n')
            out.write(
                '    <TreeModel functionName="classification" '
                'missingValueStrategy="defaultChild" splitCharacteristic="binarySplit">\n'
            )
            out.write(_schema(features, "     ", False))
            out.write(_tree(rng, depth, features, "     "))
            out.write("    </TreeModel>\n   </Segment>\n")
        out.write(closing)
    return trees


def _document(model: str, derived: str = "") -> str:
    return (
        '<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4"><Header/>'
        '<DataDictionary><DataField name="x" optype="continuous" dataType="double"/>'
        '<DataField name="y" optype="continuous" dataType="double"/></DataDictionary>'
        f"{derived}{model}</PMML>"
    )


def deep_tree(depth: int) -> str:
    """A regression TreeModel whose nodes nest `depth` levels deep (a chain of splits)."""
    opening = "".join(
        f'<Node score="{i}"><SimplePredicate field="x" operator="greaterThan" value="{i}"/>'
        for i in range(depth)
    )
    return _document(
        '<TreeModel functionName="regression" noTrueChildStrategy="returnLastPrediction">'
        '<MiningSchema><MiningField name="x"/><MiningField name="y" usageType="target"/>'
        f'</MiningSchema><Node score="-1"><True/>{opening}{"</Node>" * depth}</Node></TreeModel>'
    )


def deep_predicate(depth: int) -> str:
    """A tree whose one split is a CompoundPredicate nested `depth` levels deep."""
    predicate = (
        '<CompoundPredicate booleanOperator="and">' * depth
        + '<SimplePredicate field="x" operator="greaterThan" value="0"/><True/>'
        + "</CompoundPredicate>" * depth
    )
    return _document(
        '<TreeModel functionName="regression" noTrueChildStrategy="returnLastPrediction">'
        '<MiningSchema><MiningField name="x"/><MiningField name="y" usageType="target"/>'
        f'</MiningSchema><Node score="0"><True/><Node score="1">{predicate}</Node></Node>'
        "</TreeModel>"
    )


def deep_expression(depth: int) -> str:
    """A DerivedField whose expression nests `depth` Apply elements."""
    expression = (
        '<Apply function="+">' * depth
        + '<FieldRef field="x"/>'
        + '<Constant dataType="double">1</Constant></Apply>' * depth
    )
    derived = (
        '<TransformationDictionary><DerivedField name="z" optype="continuous" '
        f'dataType="double">{expression}</DerivedField></TransformationDictionary>'
    )
    return _document(
        '<RegressionModel functionName="regression"><MiningSchema><MiningField name="x"/>'
        '<MiningField name="y" usageType="target"/></MiningSchema>'
        '<RegressionTable intercept="0"><NumericPredictor name="z" coefficient="1"/>'
        "</RegressionTable></RegressionModel>",
        derived,
    )
