"""load_pmml refuses unsafe, oversized and malformed documents with a clear PMMLError."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from mmds_jupyter.pmml import MAX_PMML_BYTES, PMMLError, load_pmml

HEADER = '<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4"><Header/>'
DICTIONARY = (
    '<DataDictionary><DataField name="x" optype="continuous" dataType="double"/>'
    '<DataField name="y" optype="continuous" dataType="double"/></DataDictionary>'
)
MODEL = (
    '<RegressionModel functionName="regression"><MiningSchema><MiningField name="x"/>'
    '<MiningField name="y" usageType="target"/></MiningSchema>'
    '<RegressionTable intercept="1"><NumericPredictor name="x" coefficient="2"/>'
    "</RegressionTable></RegressionModel>"
)
VALID = HEADER + DICTIONARY + MODEL + "</PMML>"


def test_valid_document_loads_from_bytes_text_and_path(tmp_path: Path) -> None:
    path = tmp_path / "model.pmml"
    path.write_text(VALID)
    for source in (VALID.encode(), VALID, path, str(path)):
        doc = load_pmml(source)
        assert doc.model.tag == "RegressionModel"
        assert doc.version == "4.4"


@pytest.mark.parametrize("version", ["4_1", "4_2", "4_3", "4_4"])
def test_every_pmml_4_namespace_is_accepted(version: str) -> None:
    text = VALID.replace("PMML-4_4", f"PMML-{version}").replace(
        'version="4.4"', f'version="{version.replace("_", ".")}"'
    )
    assert load_pmml(text).namespace.endswith(version)


def test_other_namespace_is_refused() -> None:
    with pytest.raises(PMMLError, match="not a PMML 4.x namespace"):
        load_pmml(VALID.replace("http://www.dmg.org/PMML-4_4", "urn:example"))


def test_external_entity_is_refused() -> None:
    xxe = (
        '<?xml version="1.0"?><!DOCTYPE PMML [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        + HEADER.replace("<Header/>", "<Header description='&x;'/>")
        + DICTIONARY
        + MODEL
        + "</PMML>"
    )
    with pytest.raises(PMMLError, match="DTD or entities") as info:
        load_pmml(xxe)
    assert "root:" not in str(info.value)  # nothing of /etc/passwd leaks into the message
    assert "XXE" in str(info.value)


def test_billion_laughs_is_refused() -> None:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    bomb = f'<?xml version="1.0"?><!DOCTYPE PMML [{entities}]>' + VALID.replace(
        "<Header/>", "<Header description='&lol9;'/>"
    )
    with pytest.raises(PMMLError, match="billion laughs"):
        load_pmml(bomb)


def test_doctype_without_entities_is_refused() -> None:
    with pytest.raises(PMMLError, match="DOCTYPE"):
        load_pmml('<?xml version="1.0"?><!DOCTYPE PMML>' + VALID)


def test_file_over_the_cap_is_refused_without_reading_it(tmp_path: Path) -> None:
    assert MAX_PMML_BYTES == 100 * 1024 * 1024
    path = tmp_path / "huge.pmml"
    with path.open("wb") as handle:
        handle.write(VALID.encode())
        # Sparse: 200 MB on paper, a few bytes on disk.
        handle.truncate(200 * 1024 * 1024)
    tracemalloc.start()
    try:
        with pytest.raises(PMMLError, match="over the 104,857,600-byte limit"):
            load_pmml(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        path.unlink()
    assert peak < 5 * 1024 * 1024


def test_bytes_over_a_custom_cap_are_refused() -> None:
    with pytest.raises(PMMLError, match="MMDS_PMML_MAX_MB"):
        load_pmml(VALID.encode(), max_bytes=100)


def test_missing_data_dictionary_is_refused() -> None:
    with pytest.raises(PMMLError, match="no DataDictionary"):
        load_pmml(HEADER + MODEL + "</PMML>")


def test_unknown_model_type_is_refused() -> None:
    with pytest.raises(PMMLError, match="<FooModel>, which is not a PMML 4.x model type"):
        load_pmml(HEADER + DICTIONARY + '<FooModel functionName="regression"/></PMML>')


def test_document_without_model_is_refused() -> None:
    with pytest.raises(PMMLError, match="no model element"):
        load_pmml(HEADER + DICTIONARY + "</PMML>")


def test_undeclared_field_is_refused() -> None:
    text = VALID.replace('<NumericPredictor name="x"', '<NumericPredictor name="ghost"')
    with pytest.raises(PMMLError, match="'ghost' is used by <NumericPredictor> but never declared"):
        load_pmml(text)


def test_malformed_xml_is_refused() -> None:
    with pytest.raises(PMMLError, match="not well-formed"):
        load_pmml(VALID[:-10])


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PMMLError, match="Cannot read PMML file"):
        load_pmml(tmp_path / "absent.pmml")
