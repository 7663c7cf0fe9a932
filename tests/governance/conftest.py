"""The local-and-remote ``registry`` fixture of tests/remote, for the governance tests."""

from remote.conftest import api_server, registry  # noqa: F401
