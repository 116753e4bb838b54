"""The one `Settings` object (issue 13): flags over environment over defaults, the README's
table of variables, and the same options on every surface."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from assistant.settings import ENVIRONMENT, Settings
from embeddings.errors import BadInputError, NewsdeskError

ROOT = Path(__file__).resolve().parents[1]


def test_the_readme_table_lists_every_variable_and_no_other():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = dict(re.findall(r"^\| `(NEWSDESK_[A-Z_]+)` \| `(\w+)` \|", readme, re.M))
    assert table == {variable: name for name, variable in ENVIRONMENT.items()}


def test_no_module_but_settings_reads_a_newsdesk_variable():
    readers = []
    for path in [*ROOT.glob("assistant/**/*.py"), *ROOT.glob("embeddings/**/*.py"),
                 *ROOT.glob("prompts/**/*.py")]:
        text = path.read_text(encoding="utf-8")
        if re.search(r"environ(\.get)?[\[(]\s*[\"']NEWSDESK_", text):
            readers.append(path.relative_to(ROOT).as_posix())
    assert readers == [], readers


def test_flags_win_over_the_environment_which_wins_over_the_defaults(tmp_path):
    environ = {"NEWSDESK_INDEX": str(tmp_path / "env-index"), "NEWSDESK_LLM_TIMEOUT": "7.5",
               "NEWSDESK_ENCODER": "ONNX-int8", "NEWSDESK_LLM_BACKEND": "llama-cpp"}
    s = Settings.load({"index": None, "k": None, "outlet": None}, environ)
    assert s.index == tmp_path / "env-index" and s.llm_timeout == 7.5
    assert s.encoder == "onnx-int8" and s.llm_backend == "llama-cpp" and s.filters == {}
    s = Settings.load({"index": tmp_path / "flag-index", "k": 3, "backend": "openai",
                       "outlet": "City Times", "since": date(2022, 1, 1)}, environ)
    assert s.index == tmp_path / "flag-index" and s.k == 3 and s.llm_backend == "openai"
    assert s.filters == {"outlet": "City Times", "since": date(2022, 1, 1)}
    defaults = Settings.load({}, {})
    assert defaults.index.name == "index" and defaults.history_file.name == "conversations.sqlite"
    assert defaults.encoder is None and defaults.llm_backend == "openai"
    assert defaults.entities and not Settings.load({}, {"NEWSDESK_ENTITIES": "Off"}).entities
    assert defaults.reader and not Settings.load({}, {"NEWSDESK_READER": "0"}).reader


@pytest.mark.parametrize("variable, value", [("NEWSDESK_LLM_TIMEOUT", "soon"),
                                             ("NEWSDESK_LLM_CONTEXT", "4k"),
                                             ("NEWSDESK_LLM_TIMEOUT", "-1"),
                                             ("NEWSDESK_LLM_TIMEOUT", "nan"),
                                             ("NEWSDESK_LLM_CONTEXT", "0"),
                                             ("NEWSDESK_ENCODER", "tensorflow"),
                                             ("NEWSDESK_ENTITIES", "maybe"),
                                             ("NEWSDESK_READER", "sometimes")])
def test_a_bad_value_is_bad_input_naming_the_variable(variable, value):
    with pytest.raises(BadInputError, match=variable) as caught:
        Settings.load({}, {variable: value})
    assert isinstance(caught.value, NewsdeskError) and isinstance(caught.value, ValueError)


def test_a_bad_setting_ends_a_command_with_its_message_not_a_traceback(tmp_path):
    import subprocess
    import sys

    bin_dir = Path(sys.executable).parent
    done = subprocess.run([str(bin_dir / "ask"), "What did Lavrov say?", "--index",
                           str(tmp_path)], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "NEWSDESK_LLM_CONTEXT": "lots",
                               "HF_HUB_OFFLINE": "1"})
    assert done.returncode == 2 and "NEWSDESK_LLM_CONTEXT must be a number" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_chat_takes_the_same_options_as_ask():
    from assistant.cli.ask import build_parser as ask_parser
    from assistant.cli.newsdesk import build_parser as newsdesk_parser

    def options(parser) -> set[str]:
        return {o for a in parser._actions for o in a.option_strings}

    chat = newsdesk_parser()._subparsers._group_actions[0].choices["chat"]
    assert options(ask_parser()) - {"--json", "--version"} == options(chat)
