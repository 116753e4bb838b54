"""`ask "QUESTION"`: a one-shot extractive answer, quoted and sourced."""
from __future__ import annotations

import argparse
import sqlite3
import sys
from datetime import date

from assistant.generation.registry import BACKENDS
from assistant.render import json_text, safe

from .common import (EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, add_filter_options, add_index_option,
                     fail, iso_date, leave_at_once, open_index, preload, quiet_broken_pipe,
                     result_count, unreadable)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ask", description="Answer a question from your indexed news articles, "
        "quoting their own sentences with numbered sources.")
    parser.add_argument("question", nargs="*",
                        help="the question (quote it in the shell); none opens the chat")
    add_index_option(parser)
    parser.add_argument("-k", type=result_count, default=None, metavar="N",
                        help="passages to read for the answer (default 8)")
    parser.add_argument("--as-of", type=iso_date, metavar="DATE",
                        help="reference date for 'this week', 'yesterday' (default today)")
    add_filter_options(parser)
    parser.add_argument("--generate", action="store_true",
                        help="have a language model write the answer (every quote is checked)")
    parser.add_argument("--backend", choices=list(BACKENDS),
                        help="generation backend (default $NEWSDESK_LLM_BACKEND, else openai)")
    parser.add_argument("--strict", action="store_true",
                        help="with --generate: fall back to quotes if any quote is unverified")
    parser.add_argument("--json", action="store_true", help="print the Answer as JSON")
    return parser


def _backend(args: argparse.Namespace):
    """The generation backend that --generate asks for, or None without it."""
    if not args.generate:
        return None
    from assistant.generation import GenerationError, backend_from_settings

    try:
        return backend_from_settings(args.backend)
    except GenerationError as exc:
        fail(str(exc), EXIT_USAGE)


@quiet_broken_pipe
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    question = " ".join(args.question).strip()
    if not args.question:  # no question at all: the chat
        from assistant.tui import run_chat

        run_chat(args.index, as_of=args.as_of, backend=_backend(args), strict=args.strict)
        return EXIT_OK
    if not question:
        fail("the question is empty. Usage: ask \"What did Lavrov say?\"", EXIT_USAGE)

    preload(args.index)  # meanwhile, the engine imports and the index opens
    from assistant import Assistant, EmptyQuestionError

    index = open_index(args.index)
    options = dict(k=args.k, as_of=args.as_of or date.today(), outlet=args.outlet,
                   since=args.since, until=args.until, author=args.author)
    streamed = False
    try:
        assistant = Assistant(index)
        if args.generate:
            from assistant.generation import GenerativeAssistant

            def show(piece: str) -> None:
                nonlocal streamed
                sys.stdout.write(safe(piece))
                sys.stdout.flush()
                streamed = True

            answer = GenerativeAssistant(assistant, _backend(args), strict=args.strict).ask(
                question, on_text=None if args.json else show, **options)
            if streamed:
                sys.stdout.write("\n")
        else:
            answer = assistant.ask(question, **options)
    except EmptyQuestionError as exc:
        fail(str(exc), EXIT_USAGE)
    except sqlite3.DatabaseError as exc:
        unreadable(index.path, exc)
    finally:
        index.close()
    if args.json:
        print(json_text(answer.to_dict()))
    else:
        from assistant.render import print_answer

        print_answer(answer, streamed=streamed)
    return EXIT_OK if answer.found else EXIT_NOT_FOUND


entry = leave_at_once(main)  # the `ask` console script

if __name__ == "__main__":
    entry()
