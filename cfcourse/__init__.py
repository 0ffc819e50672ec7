"""cfcourse: collaborative filtering from first principles.

The package the course notebooks import. Each module is introduced by one
notebook and named after its step; see README.md for the path.
"""

__version__ = "0.1.0"

# The fitted-model API is exported lazily: ``import cfcourse`` stays light and
# does not import torch until ``cfcourse.MatrixFactorization`` is first used.
_LAZY = {
    "MatrixFactorization": "cfcourse.factorization",
    "FoldedUser": "cfcourse.factorization",
    "ImplicitFactorization": "cfcourse.implicit_feedback",
    "ColdStartWarning": "cfcourse.errors",
    "ColdStartError": "cfcourse.errors",
    "NotFittedError": "cfcourse.errors",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'cfcourse' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
