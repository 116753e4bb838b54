"""`ask "QUESTION"`: a one-shot extractive answer, quoted and sourced."""
from __future__ import annotations

import argparse
import sqlite3
import sys

from assistant.render import json_text, safe

from .common import (EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, add_index_option, add_question_options,
                     add_version_option, expected_failures, fail, leave_at_once, preload,
                     quiet_broken_pipe, say_notes, settings_from, unavailable, unreadable)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ask", description="Answer a question from your indexed news articles, "
        "quoting their own sentences with numbered sources.")
    parser.add_argument("question", nargs="*",
                        help="the question (quote it in the shell); none opens the chat")
    add_index_option(parser)
    add_question_options(parser, "passages to read for the answer (default 8)")
    parser.add_argument("--json", action="store_true", help="print the Answer as JSON")
    add_version_option(parser)
    return parser


@quiet_broken_pipe
@expected_failures
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = settings_from(args)
    question = " ".join(args.question).strip()
    if not args.question:  # no question at all: the chat, with the same options
        from assistant.tui import run_chat

        run_chat(settings)
        return EXIT_OK
    if not question:
        fail("the question is empty. Usage: ask \"What did Lavrov say?\"", EXIT_USAGE)

    preload(settings)  # meanwhile, the engine imports and the index opens
    from assistant.session import open_session
    from assistant.settings import IndexUnavailable

    streamed = False

    def show(piece: str) -> None:
        nonlocal streamed
        sys.stdout.write(safe(piece))
        sys.stdout.flush()
        streamed = True

    try:
        with open_session(settings) as session:
            say_notes(session.index.notes)
            answer = session.answerer.ask(question, as_of=settings.as_of, k=settings.k,
                                          on_text=None if args.json else show,
                                          **settings.filters)
        if streamed:
            sys.stdout.write("\n")
    except IndexUnavailable as exc:
        unavailable(exc)
    except sqlite3.DatabaseError as exc:
        unreadable(settings.index, exc)
    if args.json:
        print(json_text(answer.to_dict()))
    else:
        from assistant.render import print_answer

        print_answer(answer, streamed=streamed)
    return EXIT_OK if answer.found else EXIT_NOT_FOUND


entry = leave_at_once(main)  # the `ask` console script

if __name__ == "__main__":
    entry()
