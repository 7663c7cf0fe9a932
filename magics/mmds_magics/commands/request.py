"""``%mmds request REF STAGE``, ``%mmds approve ID``, ``%mmds reject ID``, ``%mmds requests``:
promotion as a request, gated by the project's life-cycle template."""

from __future__ import annotations

from typing import Any

from IPython.core.magic_arguments import argument, magic_arguments

import mmds_jupyter

from .parsing import parse


@magic_arguments()
@argument("ref", help="[project/]name[:version|@alias]")
@argument("stage", help="The stage to move to (its own stage: a review).")
@argument("--comment", help="Why, recorded with the request.")
def request_spec(line: str) -> None:
    """Ask to move a version to a stage; shows which gates pass and which block (asking again
    checks them again); the move happens when every gate passes."""


@magic_arguments()
@argument("id", type=int, help="The request's id.")
@argument("--comment", help="Recorded with the approval.")
def approve_spec(line: str) -> None:
    """Approve a request (never the author's); the move happens when every gate passes."""


@magic_arguments()
@argument("id", type=int, help="The request's id.")
@argument("--comment", help="Recorded with the rejection.")
def reject_spec(line: str) -> None:
    """Reject a request (its author may withdraw it)."""


@magic_arguments()
@argument("ref", nargs="?", help="Only the requests of this model or version.")
@argument("--status", choices=["open", "done", "rejected", "any"], default="open")
@argument("--mine", action="store_true", help="Only those waiting for my approval.")
def requests_spec(line: str) -> None:
    """Promotion requests, newest first (open ones unless --status)."""


class Request:
    spec = request_spec

    @staticmethod
    def run(magics: Any, line: str, cell: str | None) -> Any:
        a = parse(request_spec, line)
        return mmds_jupyter.request(a.ref, a.stage, comment=a.comment)


class Approve:
    spec = approve_spec

    @staticmethod
    def run(magics: Any, line: str, cell: str | None) -> Any:
        a = parse(approve_spec, line)
        return mmds_jupyter.approve(a.id, comment=a.comment)


class Reject:
    spec = reject_spec

    @staticmethod
    def run(magics: Any, line: str, cell: str | None) -> Any:
        a = parse(reject_spec, line)
        return mmds_jupyter.reject(a.id, comment=a.comment)


class Requests:
    spec = requests_spec

    @staticmethod
    def run(magics: Any, line: str, cell: str | None) -> Any:
        a = parse(requests_spec, line)
        status = None if a.status == "any" else a.status
        found = mmds_jupyter.requests(a.ref, status=status, waiting_for_me=a.mine)
        print("\n".join(map(str, found)) or "(nothing)")
