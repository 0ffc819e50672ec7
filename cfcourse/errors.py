"""The package's exceptions and warnings, in one place.

Every error says what is wrong, the offending value and the fix. The classes
subclass the built-in that a caller would catch anyway (``ValueError``,
``KeyError``...), so ``except ValueError`` keeps working. Importing this
module is cheap (no torch).
"""

from __future__ import annotations

__all__ = [
    "RatingsError",
    "UnknownIdError",
    "NotFittedError",
    "ColdStartError",
    "ColdStartWarning",
    "NonFiniteLossError",
    "DivergenceWarning",
]


class RatingsError(ValueError):
    """A ratings frame is not in the shape the course expects; the message says how to fix it."""


class UnknownIdError(KeyError):
    """Asked for user or movie ids that do not occur in the ratings."""

    def __str__(self) -> str:  # KeyError would print the message in quotes
        return str(self.args[0])


class NotFittedError(ValueError, AttributeError):
    """A method that needs learned state was called before ``fit`` (raised by ``check_is_fitted``)."""


class ColdStartError(UnknownIdError):
    """Asked about users or movies the model never saw, with ``unknown="error"``."""


class ColdStartWarning(UserWarning):
    """Some rows name a user or a movie the model never saw; they got the baseline fallback."""


class NonFiniteLossError(FloatingPointError):
    """Training stopped because the loss became NaN or infinite (the learning rate is usually too large)."""


class DivergenceWarning(RuntimeWarning):
    """Training finished, but the loss grew instead of shrinking, or every prediction sits at the range's edge."""
