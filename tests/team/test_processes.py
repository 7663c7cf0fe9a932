"""`mmds server --processes 2`: two worker processes serve one address, and stop together."""

from __future__ import annotations

import os
import re
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from mmds_jupyter.cli import main

from .serving import Server, start_server

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.timeout(900)]
# Each log line names the process that wrote it, so the test can tell the workers apart.
LOG_FORMAT = "--Application.log_format=pid=%(process)d %(levelname)s %(message)s"


def workers_of(server: Server) -> set[int]:
    """The pids of the supervisor's child processes."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == server.proc.pid:
                found.add(int(entry.name))
    return found


def served_by(server: Server) -> set[int]:
    """The pids of the processes that answered a search (as their log lines say)."""
    found = re.findall(r"pid=(\d+) DEBUG 200 GET /mmds/api/versions", server.log())
    return {int(pid) for pid in found}


def token_of(url: str, capsys: pytest.CaptureFixture[str], user: str) -> str:
    for words in (["users", "add", user], ["grant", "admin", "--user", user]):
        assert main(["--url", url, *words]) == 0, capsys.readouterr().err
    assert main(["--url", url, "tokens", "create", user]) == 0
    return capsys.readouterr().out.strip().splitlines()[-1]


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_two_processes_serve_concurrent_requests_and_stop_cleanly(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token = token_of(db_url, capsys, "ada")
    # Three processes start (the supervisor checks the configuration first): allow the time.
    srv = start_server(
        db_url, tmp_path / "srv", "--processes=2", "--log-level=DEBUG", LOG_FORMAT, timeout=600
    )
    try:
        workers = workers_of(srv)
        assert len(workers) == 2, srv.log()[-3000:]

        def call(i: int) -> tuple[int, object]:
            if i % 4 == 0:  # writes too: each worker has its own database connections
                grant = {"role": "viewer", "project": f"p{i}", "user": "ada"}
                return srv.call("POST", "mmds/api/grants", token, grant)
            return srv.call("GET", "mmds/api/versions?limit=5&tag=team=risk", token)

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(call, range(48)))
        assert all(code in (200, 201) for code, _ in answers), answers
        assert all(body["items"] == [] for i, (_, body) in enumerate(answers) if i % 4)  # type: ignore[index]
        code, grants = srv.call("GET", "mmds/api/grants", token)
        assert code == 200
        assert {g["project"] for g in grants["items"]} >= {f"p{i}" for i in range(0, 48, 4)}  # type: ignore[index]
        # Both workers answer (a worker still starting gets connections once it listens).
        deadline = time.monotonic() + 600
        while served_by(srv) != workers and time.monotonic() < deadline:
            with ThreadPoolExecutor(8) as pool:
                assert all(code == 200 for code, _ in pool.map(call, range(1, 17, 2)))
        assert served_by(srv) == workers, srv.log()[-3000:]
    finally:
        code = srv.stop()
    log = srv.log()
    assert code == 0, log[-3000:]
    assert log.count("MMDS server shutting down") == 2, log[-3000:]
    assert "every worker stopped cleanly" in log
    assert "Traceback" not in log, log[-3000:]
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_worker_that_dies_stops_the_server(db_url: str, tmp_path: Path) -> None:
    srv = start_server(db_url, tmp_path / "srv", "--processes=2", timeout=600)
    workers = workers_of(srv)
    assert len(workers) == 2
    os.kill(min(workers), signal.SIGKILL)
    assert srv.proc.wait(timeout=120) == 1
    log = srv.log()
    assert "ended with exit code -9; stopping the others" in log, log[-3000:]
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
