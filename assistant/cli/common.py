"""What the two commands share: argument types, opening the index, error exits."""
from __future__ import annotations

import argparse
import contextlib
import errno
import sys
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import NoReturn

from assistant.version import installed_version

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_NOT_FOUND = 0, 1, 2, 3


def iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


MAX_K = 1000  # results or passages a command may ask for


def result_count(value: str) -> int:
    """A -k value: a whole number from 1 to MAX_K (a 20-digit one is a usage error, not an
    overflow deep in the search)."""
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if not 1 <= n <= MAX_K:
        raise argparse.ArgumentTypeError(f"must be from 1 to {MAX_K}, not {value}")
    return n


class _VersionAction(argparse.Action):
    """--version: the package metadata is read only when asked for (not on every start)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS,
                 help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        sys.stdout.write(f"{parser.prog} {installed_version()}\n")
        sys.stdout.flush()
        parser.exit()


def add_version_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--version", action=_VersionAction,
                        help="print the installed version of newsdesk and exit")


def add_index_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--index", metavar="DIR", type=Path,
                        help="index directory (default: $NEWSDESK_INDEX, else the user data dir)")


def add_filter_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--outlet", help="only articles from this outlet")
    parser.add_argument("--author", help="only articles by this author")
    parser.add_argument("--since", type=iso_date, metavar="DATE", help="published on or after")
    parser.add_argument("--until", type=iso_date, metavar="DATE", help="published on or before")
    parser.add_argument("--all-copies", action="store_true",
                        help="show every outlet's copy of a wire story (by default one, the "
                        "earliest, says who else ran it)")


def progress_bar(starting: str, running: str | None = None):
    """A transient progress bar on stderr, and the `(done, total, stage=None)` callback
    that moves it; a stage (a feed's name, say) is shown as text, never read as markup."""
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeRemainingColumn)

    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeRemainingColumn(), console=Console(stderr=True, highlight=False),
                        transient=True)
    from rich.markup import escape

    from assistant.render import safe

    task = progress.add_task(starting, total=None)

    def advance(done: int, total: int, stage: str | None = None) -> None:
        described = escape(safe(stage)) if stage else running or starting
        progress.update(task, description=described, completed=done, total=total)

    return progress, advance


WAITING = "waiting: another newsdesk is writing to this index"


def say_waiting(progress) -> Callable[[], None]:
    """The `on_wait` of a write under a progress bar: says, once, that it waits its turn."""
    return lambda: progress.console.print(WAITING)


@contextlib.contextmanager
def writing(index, interrupted: str) -> Iterator[None]:
    """A command's work on an open index: Ctrl+C ends it with `interrupted` (exit 130),
    an OSError (a read-only index, a full disk) with its message; the index is closed
    either way."""
    try:
        yield
    except KeyboardInterrupt:
        fail(interrupted, 130)
    except OSError as exc:
        fail(str(exc))
    finally:
        index.close()


def quiet_broken_pipe(main):
    """`newsdesk search … | head` stops reading early: that is not an error to show."""
    import functools
    import os

    @functools.wraps(main)
    def run(*args, **kwargs):
        try:
            return main(*args, **kwargs)
        except BrokenPipeError:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return EXIT_OK
    return run


def leave_at_once(main: Callable[[], int]) -> Callable[[], NoReturn]:
    """The console-script form of `main`: once it has returned or exited and its output is
    flushed, the process ends with `os._exit`, skipping the interpreter's teardown. That
    teardown (ONNX Runtime's session and threads, FAISS, numpy) took about 80 ms of a
    0.6 s cold `ask`, for memory the OS reclaims anyway. Nothing durable waits for it:
    the commands commit and close their index before `main` returns."""
    import functools
    import os

    @functools.wraps(main)
    def entry() -> NoReturn:
        try:
            code = main()
        except SystemExit as exc:
            code = exc.code
        except OSError as exc:
            if exc.errno not in _OUTPUT_LOST:
                raise
            code = _say_output_lost(exc)
        if code is None:
            code = EXIT_OK
        elif not isinstance(code, int):
            print(code, file=sys.stderr)
            code = EXIT_ERROR
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (BrokenPipeError, ValueError):  # a closed pipe or stream: nothing to show
                pass
            except OSError as exc:  # output lost (a full disk): say so, as Python would
                code = code or _say_output_lost(exc)
        os._exit(code)
    return entry


_OUTPUT_LOST = (errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EFBIG)


def _say_output_lost(exc: OSError) -> int:
    """Exit status 120 (as Python's own when its output cannot be flushed), and why."""
    import os

    try:
        os.write(2, f"newsdesk: output not written ({exc.strerror or exc})\n".encode())
    except OSError:
        pass
    return 120


def fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    """Exit with `message` on stderr; its control characters shown, not sent (a path or an
    error may carry them)."""
    from assistant.render import safe

    print(f"newsdesk: {safe(message)}", file=sys.stderr)
    raise SystemExit(code)


def settings_from(args: argparse.Namespace):
    """The command's `Settings`: its flags over the environment, handed to the engine."""
    from ..settings import Settings

    return Settings.load(args).configure_engine()


def preload(settings) -> None:
    """Start reading the index the settings name, and loading the model, in the background."""
    from ..settings import preload as start

    start(settings)


def unreadable(path: Path, exc: Exception) -> NoReturn:
    """Exit for an index whose database failed under a search: damage, most likely."""
    from embeddings.errors import IndexDamagedError

    fail(str(IndexDamagedError.unreadable(path, exc)))


def unavailable(exc) -> NoReturn:
    """Exit for an `IndexUnavailable` with its advice: a usage error where the index is
    missing or was built otherwise."""
    fail(exc.advice(), EXIT_USAGE if exc.missing or exc.mismatch else EXIT_ERROR)


def say_notes(notes: list[str]) -> None:
    """What opening the index found wrong, on stderr: said, not kept quiet."""
    from assistant.render import safe

    for note in notes:
        print(f"newsdesk: note: {safe(note)}", file=sys.stderr)


def open_index(settings, create: bool = False):
    """The index the settings name, with clear messages instead of tracebacks."""
    from ..settings import IndexUnavailable, open_index as open_configured

    try:
        index = open_configured(settings, create=create)
    except IndexUnavailable as exc:
        unavailable(exc)
    say_notes(index.notes)
    return index


def add_question_options(parser: argparse.ArgumentParser, k_help: str) -> None:
    """The options of a question, the same for `ask` and the chat."""
    parser.add_argument("-k", type=result_count, default=None, metavar="N", help=k_help)
    parser.add_argument("--as-of", type=iso_date, metavar="DATE",
                        help="reference date for 'this week', 'yesterday' (default today)")
    add_filter_options(parser)
    from assistant.generation.registry import BACKENDS

    parser.add_argument("--generate", action="store_true",
                        help="have a language model write the answer (every quote is checked)")
    parser.add_argument("--backend", choices=sorted(BACKENDS),
                        help="generation backend (default $NEWSDESK_LLM_BACKEND, else openai)")
    parser.add_argument("--strict", action="store_true",
                        help="with --generate: fall back to quotes if any quote is unverified")


def expected_failures(main):
    """A `NewsdeskError` (a bad setting, an empty question, a failed generation...) ends
    the command with its message, never a traceback: 2 for bad input, else 1."""
    import functools

    @functools.wraps(main)
    def run(*args, **kwargs):
        from embeddings.errors import BadInputError, NewsdeskError

        try:
            return main(*args, **kwargs)
        except BadInputError as exc:
            fail(str(exc), EXIT_USAGE)
        except NewsdeskError as exc:
            fail(str(exc))
    return run
