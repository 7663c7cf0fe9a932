"""``%mmds help`` is made from the sub-commands' own parsers, so it names all they accept."""

from __future__ import annotations

import re

import pytest
from IPython.core.interactiveshell import InteractiveShell

import mmds_jupyter


@pytest.fixture
def ip(tmp_path):
    mmds_jupyter.connect(url=f"sqlite:///{tmp_path / 'mmds.db'}", home=str(tmp_path), actor="maya")
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "mmds_jupyter")
    yield shell
    shell.reset()
    mmds_jupyter.default_registry().close()


def _word(text: str, word: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text) is not None


def test_help_names_every_sub_command_and_every_option_of_its_parser(ip, capsys):
    from mmds_magics.commands import COMMANDS

    ip.run_line_magic("mmds", "help")
    out = capsys.readouterr().out
    blocks = re.split(r"\n(?=  \S)", out)  # one block per sub-command
    by_name = {b.split()[0]: b for b in blocks[1:]}
    assert set(by_name) == set(COMMANDS)
    missing = [
        f"{name} {option}"
        for name, command in COMMANDS.items()
        for action in command.spec.parser._actions
        for option in action.option_strings
        if not _word(by_name[name], option)
    ]
    assert missing == []
    # The options the hand-written help once lacked, where the user looks for them.
    assert _word(by_name["list"], "--name-contains") and _word(by_name["list"], "--tag")
    assert _word(by_name["track"], "--tag") and _word(by_name["schedule"], "--cron")
    from mmds_magics.magic import MMDSMagics

    assert out.strip() == (MMDSMagics.mmds.__doc__ or "").strip()  # what %mmds? shows


def test_every_sub_command_prints_its_own_options_with_help(ip, capsys):
    from mmds_magics.commands import COMMANDS

    for name, command in COMMANDS.items():
        assert ip.run_line_magic("mmds", f"{name} --help") is None
        out = capsys.readouterr().out
        assert f"%mmds {name} " in out
        for action in command.spec.parser._actions:
            for option in action.option_strings:
                assert _word(out, option), (name, option)
        ip.run_line_magic("mmds", f"help {name}")
        assert capsys.readouterr().out == out
    assert mmds_jupyter.find().empty
