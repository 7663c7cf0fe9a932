"""A PMML refusal over REST is a 400 with the message, like every other MMDS error."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from mmds_jupyter.pmml import PMMLError
from mmds_jupyter.server import views

pytestmark = pytest.mark.timeout(120)


async def test_a_pmml_refusal_is_a_400(jp_fetch: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # No route parses PMML by itself today; any route whose work meets a refused document
    # (here the version detail) must answer as the registry's other input errors do.
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise PMMLError("The PMML document is nested 3,001 elements deep, over the limit.")

    monkeypatch.setattr(views, "version_detail", refuse)
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("mmds", "api", "versions", "risk/churn:1")
    assert info.value.code == 400
    assert info.value.response is not None
    body = json.loads(info.value.response.body)
    assert body == {
        "error": "PMMLError",
        "message": "The PMML document is nested 3,001 elements deep, over the limit.",
    }
