"""The ``%mmds`` magic: parses the sub-command and hands it to its module."""

from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class
from traitlets import Unicode
from traitlets.config import Configurable

from mmds_jupyter.errors import MMDSError

from .commands import COMMANDS, help_text, summary
from .commands.parsing import HelpShown


@magics_class
class MMDSMagics(Magics, Configurable):
    """``%mmds`` and ``%%mmds``; defaults can be set in the IPython profile as ``c.MMDSMagics``."""

    default_project = Unicode("default", help="Project used when --project is not given.").tag(
        config=True
    )

    @line_cell_magic
    def mmds(self, line: str, cell: str | None = None) -> Any:
        """Model management from the notebook; the sub-commands are listed below."""
        words = line.strip().split(None, 1)
        if not words:
            raise UsageError(
                "Say what to do, e.g. %mmds list or %mmds track clf --name churn. "
                "%mmds help lists the sub-commands."
            )
        name, rest = words[0], (words[1] if len(words) > 1 else "")
        if name == "help":
            return self._help(rest.strip())
        command = COMMANDS.get(name)
        if command is None:
            raise UsageError(
                f"Unknown sub-command {name!r}. Use one of: "
                f"{', '.join(sorted(COMMANDS))} (%mmds help NAME explains one)."
            )
        if cell is not None and not getattr(command, "CELL", False):
            raise UsageError(f"%%mmds {name} is not a cell magic; use %mmds {name} on one line.")
        try:
            return command.run(self, rest, cell)
        except HelpShown:
            return None
        except MMDSError as exc:
            raise UsageError(str(exc)) from None

    def _help(self, name: str) -> None:
        if not name:
            print(MMDSMagics.mmds.__doc__)
            return
        if name not in COMMANDS:
            raise UsageError(f"Unknown sub-command {name!r}; use one of {', '.join(COMMANDS)}.")
        print(help_text(name))

    def evaluate(self, expr: str, what: str) -> Any:
        """The value of a notebook variable or expression, or a UsageError that names it."""
        try:
            assert self.shell is not None
            return self.shell.ev(expr)
        except NameError:
            raise UsageError(
                f"{what} {expr!r} is not defined in this notebook; run the cell that "
                "creates it first."
            ) from None
        except SyntaxError:
            raise UsageError(f"{what} {expr!r} is not a valid Python expression.") from None

    def raw_cell(self) -> str | None:
        """The source of the cell being run, as the user typed it."""
        hist = getattr(getattr(self.shell, "history_manager", None), "input_hist_raw", None)
        return hist[-1] if hist else None


# ``%mmds?`` and ``%mmds help`` show this; the list comes from the COMMANDS table.
MMDSMagics.mmds.__doc__ = (
    "Model management from the notebook: %mmds COMMAND ... (as %%mmds track, a cell magic).\n"
    "%mmds help COMMAND (or %mmds COMMAND --help) gives the options of one.\n"
    "REF is [project/]name[:version|@alias]. Sub-commands:\n\n" + summary()
)
