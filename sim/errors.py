"""The exceptions users meet: :class:`InputError`, and :class:`ScenarioError` under it."""

from __future__ import annotations

import difflib


class InputError(Exception):
    """A problem with a user's input, reported as one line (exit status 2 on the command line).

    Parameters
    ----------
    file : str or None
        Where the problem is: a scenario or result file, or a command-line option such as
        ``--workers`` (``None`` when neither applies).
    key : str or None
        The dotted key that is wrong, such as ``fleet.pue``.
    message : str
        What was wrong and what would be valid.
    """

    def __init__(self, file: str | None, key: str | None, message: str):
        self.file = None if file is None else str(file)
        self.key = key
        self.message = message
        super().__init__(str(self))

    def __reduce__(self):  # raised in a worker process, it comes back whole
        return type(self), (self.file, self.key, self.message)

    def __str__(self) -> str:
        parts = [p for p in (self.file, self.key) if p]
        return ": ".join(_one_line(p) for p in parts + [self.message])


class ScenarioError(InputError):
    """A problem in a scenario file (or a ``--set``/``--variant`` change to one)."""


class TooFewMatches(ScenarioError):
    """A calibration whose candidates hold fewer draws matching every observation than wanted."""


def suggest(word: str, valid) -> str:
    """``" (did you mean 'x'?)"`` for the closest valid name, or a list of valid names."""
    valid = list(valid)
    close = difflib.get_close_matches(word, valid, n=1, cutoff=0.6)
    if close:
        return f" (did you mean '{close[0]}'?)"
    return f" (valid: {', '.join(valid)})"


def _one_line(text: str) -> str:
    """Control characters (a newline in a TOML key, say) escaped, so the error stays one line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
