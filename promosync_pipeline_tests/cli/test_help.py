"""Every option and argument of ``promosync`` says what it does in ``--help``."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

from promosync_pipeline.cli.main import _parser


def _walk(parser: argparse.ArgumentParser, path: str) -> Iterator[tuple[str, argparse.Action]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _walk(sub, f"{path} {name}")
        elif not isinstance(action, argparse._HelpAction):
            yield path, action


def test_every_option_and_argument_has_help_text():
    actions = list(_walk(_parser(), "promosync"))
    assert len(actions) >= 15, "the walk did not reach the subcommands"
    missing = [
        f"{path} {'/'.join(a.option_strings) or a.metavar or a.dest}"
        for path, a in actions
        if not (a.help or "").strip()
    ]
    assert not missing, "options without help text: " + ", ".join(missing)


def test_every_subcommand_has_help_text():
    def commands(parser: argparse.ArgumentParser, path: str) -> Iterator[tuple[str, str]]:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                helps = {c.dest: c.help for c in action._choices_actions}
                for name, sub in action.choices.items():
                    yield f"{path} {name}", helps.get(name) or ""
                    yield from commands(sub, f"{path} {name}")

    found = dict(commands(_parser(), "promosync"))
    assert {"promosync sync", "promosync feed serve", "promosync demo"} <= set(found)
    assert not [name for name, text in found.items() if not text.strip()]
