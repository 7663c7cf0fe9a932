"""Search gives the same answer whichever way the store chooses to run it.

The SQL store starts a search from the smallest related-table filter, or walks the versions in
order when every filter is large (``SMALL_SET``), and it pages a metric order in two parts
(versions with the metric, then those without). Each strategy is forced here by moving the
threshold, and every page is checked against the answer computed in Python from the same data.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from mmds_jupyter.entities import NewVersion
from mmds_jupyter.query import Query
from mmds_jupyter.store import search_plan

FEATURES = [f"f{i}" for i in range(6)]
SLICE = "country=US"
HASHES = [c * 64 for c in "abc"]


def _specs(n: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        used = set(rng.sample(FEATURES, 3))
        metrics: dict[tuple[str, str | None], float | None] = {}
        if rng.random() < 0.8:  # some versions have no roc_auc at all
            metrics[("roc_auc", None)] = round(rng.random(), 2)  # ties happen
        if rng.random() < 0.1:
            metrics[("roc_auc", None)] = None  # recorded but empty
        metrics[("f1", None)] = rng.random()
        if rng.random() < 0.5:
            metrics[("roc_auc", SLICE)] = rng.random()
        out.append(
            {
                "project": rng.choice(["risk", "growth"]),
                "name": ["churn", "Churn_v2", "risk%score", "churn-v3", "kits"][i % 5],
                "stage": rng.choice(["development", "validation", "archived"]),
                "used": used,
                "metrics": metrics,
                "tags": {"team": rng.choice(["a", "b"])} if rng.random() < 0.7 else {},
                "evaluated_on": rng.choice([HASHES[0], HASHES[1], None]),
                "trained_on": rng.choice([HASHES[0], HASHES[2]]),
            }
        )
    return out


def _fill(reg, specs):  # type: ignore[no-untyped-def]
    refs = []
    for sp in specs:
        v = reg.store.versions.create_version(
            NewVersion(
                project=sp["project"],
                name=sp["name"],
                framework="sklearn",
                estimator_class="sklearn.linear_model.LogisticRegression",
                task="binary",
                author="maya",
                params={},
                steps={},
                features=[
                    {"name": f, "dtype": "float64", "used": f in sp["used"]} for f in FEATURES
                ],
                outputs=[],
                metrics=[
                    {"name": name, "slice": slc, "value": value}
                    for (name, slc), value in sp["metrics"].items()
                ],
                provenance={},
                environment={},
                artifact_sha256=None,
                artifact_format=None,
                stage=sp["stage"],
                tags=sp["tags"],
                datasets=[
                    (
                        rel,
                        {"content_hash": h, "n_rows": 1, "n_cols": 1, "schema": {}, "stats": {}},
                        None,
                    )
                    for rel in ("evaluated_on", "trained_on")
                    if (h := sp[rel])
                ],
            )
        )
        refs.append(v.ref)
    return refs


def _expected(specs, refs, q: Query, dataset: str | None = None) -> list[str]:  # type: ignore[no-untyped-def]
    ops = {">": float.__gt__, ">=": float.__ge__, "<": float.__lt__, "<=": float.__le__}
    slc = q.slice
    rows = []
    for i, sp in enumerate(specs):
        if q.project and sp["project"] != q.project:
            continue
        if q.projects is not None and sp["project"] not in q.projects:
            continue
        if q.name and sp["name"] != q.name:
            continue
        if q.name_contains and not any(
            q.name_contains.lower() in n.lower() for n in (sp["name"], sp["project"])
        ):
            continue
        if q.stage and sp["stage"] != q.stage:
            continue
        if not q.stage and not q.include_archived and sp["stage"] == "archived":
            continue
        if q.feature and q.feature not in sp["used"]:
            continue
        if q.without_feature and q.without_feature in sp["used"]:
            continue
        if dataset and not any(sp[rel] == dataset for rel in q.dataset_relations):
            continue
        if q.tag and sp["tags"].get(q.tag[0]) != q.tag[1]:
            continue
        if slc and not any(s == slc for _, s in sp["metrics"]):
            continue
        ok = True
        for name, op, threshold in q.metrics:
            value = sp["metrics"].get((name, slc))
            ok &= value is not None and ops[op](float(value), threshold)
        if ok:
            rows.append((i, sp))
    key = q.order_by.lstrip("-")
    if key == "created":
        rows.sort(key=lambda r: -r[0])
    else:
        with_metric = [r for r in rows if r[1]["metrics"].get((key, slc)) is not None]
        without = [r for r in rows if r[1]["metrics"].get((key, slc)) is None]
        sign = -1 if q.order_by.startswith("-") else 1
        with_metric.sort(key=lambda r: (sign * r[1]["metrics"][(key, slc)], -r[0]))
        rows = with_metric + sorted(without, key=lambda r: -r[0])
    return [refs[i] for i, _ in rows]


QUERIES = [
    Query(),
    Query(feature="f1"),
    Query(feature="f1", metrics=[("roc_auc", ">", 0.5)]),
    Query(feature="f2", tag=("team", "a"), metrics=[("f1", "<", 0.7)]),
    Query(project="risk", feature="f3"),
    Query(stage="validation", tag=("team", "b")),
    Query(slice=SLICE),
    Query(slice=SLICE, metrics=[("roc_auc", ">", 0.3)]),
    Query(order_by="-roc_auc"),
    Query(order_by="roc_auc", feature="f4"),
    Query(order_by="-roc_auc", metrics=[("roc_auc", ">=", 0.4)]),
    Query(order_by="-roc_auc", slice=SLICE),
    Query(feature="nowhere"),
    Query(name_contains="CHURN", feature="f2"),
    Query(name_contains="k%s"),  # % and _ are literal, not wildcards
    Query(name_contains="n_v", order_by="-roc_auc"),
    Query(name_contains="row"),  # a project name ("growth")
    Query(include_archived=True),
    Query(include_archived=True, feature="f1"),
    Query(include_archived=True, order_by="-roc_auc", tag=("team", "a")),
    Query(stage="archived", feature="f2"),
    Query(without_feature="f1", order_by="-roc_auc"),
    Query(without_feature="f5", feature="f0"),
    # A project's or model's versions: their models are looked up first (model_ids).
    Query(project="risk"),
    Query(project="risk", order_by="-roc_auc", metrics=[("roc_auc", ">", 0.2)]),
    Query(projects=("growth",), tag=("team", "a")),
    Query(projects=("growth", "risk"), name="churn", order_by="-roc_auc"),
    Query(projects=()),  # a user who may read no project
    Query(project="nowhere"),
]


@pytest.mark.parametrize("small_set", [1, 8, 10_000], ids=["walk", "mixed", "lead"])
def test_every_plan_pages_to_the_same_answer(reg, monkeypatch, small_set):  # type: ignore[no-untyped-def]
    specs = _specs(45)
    refs = _fill(reg, specs)
    monkeypatch.setattr(search_plan, "SMALL_SET", small_set)
    # "walk" also filters by a subquery of the models instead of listing them.
    monkeypatch.setattr(search_plan, "MAX_MODEL_IDS", small_set)
    for q in QUERIES:
        want = _expected(specs, refs, q)
        whole = [r["ref"] for r in reg.store.search.find(q)]
        assert whole == want, q
        assert reg.store.search.count(q) == len(want), q
        assert reg.store.search.count(q, cap=5) == min(5, len(want)), q
        for limit in (4, 7):
            pages = []
            for offset in range(0, len(want) + limit, limit):
                page = Query(**{**q.__dict__, "limit": limit, "offset": offset})
                pages += [r["ref"] for r in reg.store.search.find(page)]
            assert pages == want, (q, limit)


@pytest.mark.parametrize("small_set", [1, 8, 10_000], ids=["walk", "mixed", "lead"])
def test_dataset_searches_page_to_the_same_answer(reg, monkeypatch, small_set):  # type: ignore[no-untyped-def]
    specs = _specs(45)
    refs = _fill(reg, specs)
    monkeypatch.setattr(search_plan, "SMALL_SET", small_set)
    for h, role, extra in [
        (HASHES[0], "any", {}),
        (HASHES[0], "test", {"order_by": "-roc_auc"}),
        (HASHES[2], "train", {"feature": "f1"}),
        (HASHES[1], "any", {"include_archived": True, "tag": "team=a"}),
        (HASHES[0], "train", {"where": "roc_auc>0.5", "stage": "validation"}),
    ]:
        q = reg.query(dataset=h[:6], dataset_role=role, **extra)
        want = _expected(specs, refs, q, dataset=h)
        assert [r["ref"] for r in reg.store.search.find(q)] == want, (role, extra)
        assert reg.store.search.count(q) == len(want), (role, extra)
        for offset in range(0, len(want) + 4, 4):
            page = Query(**{**q.__dict__, "limit": 4, "offset": offset})
            assert [r["ref"] for r in reg.store.search.find(page)] == want[offset : offset + 4]
