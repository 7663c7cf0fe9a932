"""The ``%mmds`` magic: parses the sub-command and hands it to its module."""

from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class
from traitlets import Unicode
from traitlets.config import Configurable

from mmds_jupyter.errors import MMDSError

from .commands import COMMANDS


@magics_class
class MMDSMagics(Magics, Configurable):
    """``%mmds`` and ``%%mmds``; defaults can be set in the IPython profile as ``c.MMDSMagics``."""

    default_project = Unicode("default", help="Project used when --project is not given.").tag(
        config=True
    )

    @line_cell_magic
    def mmds(self, line: str, cell: str | None = None) -> Any:
        """Model management from the notebook.

        Sub-commands (``%mmds help COMMAND`` for the options of one):
          track MODEL [--name N] [--project P] [--test X y] [--train X y] [--slice COL ...]
                              capture a fitted estimator; as %%mmds track, every estimator
                              fitted or re-fitted while the cell runs
          list [--project P] [--feature F] [--where 'roc_auc>0.8'] [--slice country=US]
               [--order-by -roc_auc] [--limit N] [--stage S] [--author A] [--since 7d]
          show REF            one version (REF is [project/]name[:version|@alias])
          compare REF REF ... side by side, differences marked
          lineage REF         data sets, parents and children
          load REF --as VAR   put the working estimator into a notebook variable
          alias REF NAME [--force]   point an alias (e.g. champion) at a version
          stage REF STAGE [--force]  move a version to development/validation/production/...
          events [--ref REF] [--limit N]   the audit log
          contract REF [--policy reject|flag]   required inputs and outputs
          score REF --data VAR [--key COL] [--production|--shadow] [--as VAR]
                              check data against the contract and score it
          test REF [--name N] run the version's scoring tests
          export-pmml REF PATH                 write the model as PMML 4.4
          import-pmml PATH --name N [--project P] [--test X y]   register a PMML file
        """
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
        except MMDSError as exc:
            raise UsageError(str(exc)) from None

    def _help(self, name: str) -> None:
        if not name:
            print(MMDSMagics.mmds.__doc__)
            return
        command = COMMANDS.get(name)
        if command is None:
            raise UsageError(f"Unknown sub-command {name!r}; use one of {', '.join(COMMANDS)}.")
        print(command.spec.__doc__ or "")

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
