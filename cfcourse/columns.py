"""The course's one vocabulary: column names and the rating scale.

Every frame of ratings in the course, real or toy, uses these names, so a
function that takes ratings never has to guess. Change them here and only here.
"""

USER = "userId"
"""Column holding the user id (MovieLens spelling)."""

ITEM = "movieId"
"""Column holding the movie id (MovieLens spelling)."""

RATING = "rating"
"""Column holding the star rating."""

TIMESTAMP = "timestamp"
"""Column holding when the rating was made."""

RATING_MIN = 0.5
"""Lowest star rating on the MovieLens scale."""

RATING_MAX = 5.0
"""Highest star rating on the MovieLens scale."""

RATING_STEP = 0.5
"""MovieLens ratings come in half stars."""
