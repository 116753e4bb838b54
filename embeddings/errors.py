"""The failures a user can meet, under one base: a surface catches `NewsdeskError` and
prints its message, which says what happened and what to do; anything else is a bug.

Each subclass also derives from the built-in exception it is a kind of, so that code
catching `OSError` or `ValueError` keeps working."""
from __future__ import annotations


class NewsdeskError(Exception):
    """Base of every expected failure; its message is for the user."""


class IndexUnavailableError(NewsdeskError):
    """No index where one was looked for, or one that cannot be opened here."""


class IndexMissingError(IndexUnavailableError, FileNotFoundError):
    """No index at the path: build one with `newsdesk index`."""


class IndexMismatchError(IndexUnavailableError, RuntimeError):
    """The index was built with another model or chunker than the one asked for."""


class IndexDamagedError(IndexUnavailableError, RuntimeError):
    """The index's files are damaged beyond what opening reads past; the message says how
    to mend them."""

    @classmethod
    def unreadable(cls, path, cause: Exception) -> "IndexDamagedError":
        """The index at `path`, whose database failed with `cause` (opened, or later under a
        search): damage, most likely."""
        return cls(f"the index at {path} could not be read ({cause}): check it with "
                   f"`newsdesk info --check --index {path}`; `newsdesk repair --index {path}` "
                   f"mends it")


class ReadOnlyIndexError(NewsdeskError, PermissionError):
    """A write was asked of an index this process may only read."""


class DiskFullError(NewsdeskError, OSError):
    """The disk filled up while writing: what was committed before is kept, the batch
    being written is not."""


class BadInputError(NewsdeskError, ValueError):
    """A question, a date, a setting or a file the user gave that cannot be used."""


class ClusterError(NewsdeskError, RuntimeError):
    """Indexing on a Ray cluster could not start or did not finish: Ray is not installed,
    the cluster cannot be reached, or a stage failed past its retries. What was committed
    is kept; running the same command again finishes the work."""
