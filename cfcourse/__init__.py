"""cfcourse: collaborative filtering from first principles.

The package the course notebooks import. Each module is introduced by one
notebook and named after its step; see README.md for the path.
"""

__version__ = "0.1.0"
