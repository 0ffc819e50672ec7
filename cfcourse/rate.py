"""Rate movies yourself: a small ipywidgets panel that edits a plain dict.

Introduced in notebooks/12_your_recommendations.ipynb. The notebook keeps your
ratings in a dict ``my_ratings = {movieId: stars}`` that you can edit by hand;
``rate_movies(my_ratings, titles, shortlist)`` shows a panel that edits *that
same dict*: a search box for any title, a shortlist of movies worth asking
about, star buttons (½ to 5, "–" for not rated) on every movie, and "your list",
which updates with every click. Once models are trained, ``panel.attach(recommend)``
adds your recommendations under the list, redrawn after every click:
``your_recommendations(my_ratings, mf, ranker, titles)`` is such a ``recommend``
(both fold-ins, both lists, a reason per movie of the rating model's list).

ipywidgets is imported only inside ``rate_movies``: without it (or where widgets
cannot show) the function says so and the dict is the way to rate. The pure
parts (``search_titles``, ``your_list``, ``star_label``, ``your_recommendations``) need no widgets.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, MutableMapping

import pandas as pd

from cfcourse.columns import ITEM, RATING, RATING_MAX, RATING_MIN, RATING_STEP
from cfcourse.validation import check_positive_int

__all__ = ["STAR_OPTIONS", "NO_WIDGETS", "as_stars", "star_label", "search_titles", "your_list", "your_recommendations",
           "rate_movies", "RatingPanel"]

STAR_OPTIONS = (("–", 0.0),) + tuple(
    (f"{int(v) or ''}{'½' if v % 1 else ''}", v)
    for v in (RATING_MIN + k * RATING_STEP for k in range(int(round((RATING_MAX - RATING_MIN) / RATING_STEP)) + 1))
)
"""The buttons of a row: (label, stars), "½" to "5" in half stars; 0.0 ("–") means not rated."""

NO_WIDGETS = (
    "The rating panel needs ipywidgets, which is not installed here: rate by editing the dict my_ratings "
    "above ({movieId: stars}) and re-run the cells below (or pip install ipywidgets and restart the kernel)."
)


def as_stars(value: float) -> str:
    """A rating as stars, e.g. ``as_stars(4.5) == "★★★★½"`` (whole stars, then a half)."""
    return "★" * int(value) + ("½" if value % 1 >= 0.5 else "")


def star_label(stars: float) -> str:
    """``4.5 -> "★★★★½ 4.5"``: whole stars, a half, then the number."""
    return f"{as_stars(stars)} {stars:g}"


def search_titles(titles: pd.Series, query: str, n: int = 8) -> list:
    """The movieIds of the first ``n`` titles containing ``query`` (case-insensitive), in ``titles``' order.

    Parameters
    ----------
    titles : Series movieId -> title
        Ordered as results should come (e.g. most-rated first).
    query : str
        Blank gives no results.
    n : int, default 8

    Returns
    -------
    list of movieId
    """
    check_positive_int(n, "n")
    query = query.strip().lower()
    if not query:
        return []
    hits = titles[titles.str.lower().str.contains(query, regex=False)]
    return hits.index[:n].tolist()


def your_list(my_ratings: MutableMapping, titles: pd.Series) -> str:
    """"Your list" as plain text: one line per rated movie, highest stars first, then by title."""
    if not my_ratings:
        return "Your list is empty: rate a few movies."
    rows = sorted(my_ratings.items(), key=lambda kv: (-kv[1], str(titles.get(kv[0], kv[0]))))
    lines = [f"Your list ({len(rows)} rated):"]
    lines += [f"  {star_label(stars):<12} {titles.get(movie_id, movie_id)}" for movie_id, stars in rows]
    return "\n".join(lines)


def your_recommendations(my_ratings: MutableMapping, mf, ranker, titles: pd.Series, n: int = 5) -> str:
    """Your top ``n`` from both models as plain text, with a reason per movie of the rating model's list.

    What the panel shows after ``attach``; call it yourself (``print``) where widgets cannot show.
    The rating model's list is that of ``cfcourse.explain.fold_in_linear`` (the user ``explain``
    splits exactly, so each reason belongs to the list and stars shown); the ranking model's list is
    that of ``ranker.fold_in``, with the stars the rating model predicts for it. On all of MovieLens
    the whole call takes a few tenths of a second (measured in notebook 12), quick enough for a click.

    Parameters
    ----------
    my_ratings : dict {movieId: stars}
        Movies both models saw in training.
    mf : MatrixFactorization
        Fitted.
    ranker : ImplicitFactorization
        Fitted on the same movies.
    titles : Series movieId -> title
    n : int, default 5

    Returns
    -------
    str
        A header line, then ``n`` numbered lines per model: ``"  1. Title  (4.2 stars)"``, each of the
        rating model's followed by its reason (``cfcourse.explain.reasons``, at most two ratings).
    """
    from cfcourse.explain import explain, fold_in_linear, reasons  # torch comes with the models, not with the panel

    check_positive_int(n, "n")
    if not my_ratings:
        return "Your recommendations: rate a movie and they appear here."
    mine = pd.DataFrame({ITEM: list(my_ratings), RATING: [float(v) for v in my_ratings.values()]})
    you = fold_in_linear(mf, mine)
    by_rating = mf.recommend(you, n=n)[ITEM].to_numpy()
    table = explain(mf, mine, by_rating)
    why = reasons(table, mine, titles, n=2)
    by_ranking = ranker.recommend(ranker.fold_in(mine), n=n)[ITEM].to_numpy()
    ranked_stars = mf.predict_user(you, by_ranking)
    lines = [f"Your recommendations from your {len(mine)} rating{'s' * (len(mine) != 1)} (redrawn after every click)",
             "Rating model, by the stars it predicts you would give:"]  # fmt: skip
    for rank, movie_id in enumerate(by_rating, 1):
        lines += [f"  {rank}. {titles.get(movie_id, movie_id)}  ({table.loc[movie_id, 'predicted']:.1f} stars)",
                  f"     {why[movie_id]}"]  # fmt: skip
    lines.append("Ranking model, by what people who watched your movies watch:")
    lines += [f"  {rank}. {titles.get(movie_id, movie_id)}  ({value:.1f} stars)"
              for rank, (movie_id, value) in enumerate(zip(by_ranking, ranked_stars), 1)]  # fmt: skip
    return "\n".join(lines)


class RatingPanel:
    """The widgets of ``rate_movies``; ``my_ratings`` is edited in place.

    Attributes
    ----------
    widget : ipywidgets.VBox
        Search box, results, shortlist, "your list", your recommendations (classes ``cf-rate-panel``, ``cf-search``,
        ``cf-results``, ``cf-shortlist``, ``cf-rate-row``, ``cf-your-list`` and
        ``cf-recommendations``, for the browser test and for styling).
    my_ratings : dict {movieId: stars}
    recommend : callable or None
        Set by ``attach``: ``recommend(my_ratings) -> str``, redrawn after every click.
    """

    def __init__(self, widgets, my_ratings: MutableMapping, titles: pd.Series, shortlist: Iterable,
                 *, max_results: int = 8, on_change: Callable[[MutableMapping], None] | None = None) -> None:  # fmt: skip
        allowed = {v for _, v in STAR_OPTIONS[1:]}
        for movie_id, stars in my_ratings.items():
            if stars not in allowed:
                raise ValueError(
                    f"my_ratings[{movie_id!r}] = {stars!r}, but the panel shows half stars from {RATING_MIN} to "
                    f"{RATING_MAX}; use one of those (e.g. {min(max(round(float(stars) * 2) / 2, RATING_MIN), RATING_MAX)})."
                )
        self._w, self.my_ratings, self.titles = widgets, my_ratings, titles
        self.max_results, self.on_change = check_positive_int(max_results, "max_results"), on_change
        self._listed: dict = {}  # movieId -> its buttons in the shortlist
        self._found: dict = {}  # movieId -> its buttons in the search results (a movie can be in both)
        self._syncing = False
        self.search = widgets.Text(placeholder="search a title, e.g. matrix", description="Search:",
                                   continuous_update=True, layout=widgets.Layout(width="420px"))  # fmt: skip
        self.search.add_class("cf-search")
        self.results = widgets.VBox([])
        self.results.add_class("cf-results")
        self.search.observe(self._on_search, names="value")
        self.shortlist = widgets.VBox([self._row(movie_id, self._listed) for movie_id in shortlist])
        self.shortlist.add_class("cf-shortlist")
        self.list = widgets.HTML()
        self.list.add_class("cf-your-list")
        self._show_list()
        self.recommend: Callable[[MutableMapping], str] | None = None
        self.recommendations = widgets.HTML()
        self.recommendations.add_class("cf-recommendations")
        self.widget = widgets.VBox([
            self.search, self.results, widgets.HTML("<b>Worth rating</b> (well known, and people disagree about them):"),
            self.shortlist, self.list, self.recommendations,
        ])  # fmt: skip
        self.widget.add_class("cf-rate-panel")

    def _row(self, movie_id, buttons_of: dict):
        w = self._w
        buttons = w.ToggleButtons(options=list(STAR_OPTIONS), value=float(self.my_ratings.get(movie_id, 0.0)),
                                  style={"button_width": "34px"}, layout=w.Layout(width="auto"))  # fmt: skip
        buttons.observe(lambda change, m=movie_id: self._on_rate(m, change["new"]), names="value")
        buttons_of[movie_id] = buttons
        title = w.HTML(html.escape(str(self.titles.get(movie_id, movie_id))), layout=w.Layout(width="300px"))
        row = w.HBox([title, buttons])
        row.add_class("cf-rate-row")
        return row

    def _on_search(self, change) -> None:
        for row in self.results.children:  # the old results go, with their widgets' comms
            for child in row.children:
                child.close()
            row.close()
        self._found = {}
        self.results.children = [self._row(m, self._found) for m in search_titles(self.titles, change["new"], self.max_results)]

    def _on_rate(self, movie_id, stars: float) -> None:
        if self._syncing:
            return
        if stars:
            self.my_ratings[movie_id] = float(stars)
        else:
            self.my_ratings.pop(movie_id, None)
        self._syncing = True
        try:
            for buttons_of in (self._listed, self._found):
                if movie_id in buttons_of:
                    buttons_of[movie_id].value = float(stars)
        finally:
            self._syncing = False
        self._show_list()
        self._show_recommendations()
        if self.on_change is not None:
            self.on_change(self.my_ratings)

    def attach(self, recommend: Callable[[MutableMapping], str]) -> RatingPanel:
        """Show ``recommend(my_ratings)`` under your list now and after every click; returns the panel.

        ``recommend`` takes the ratings dict and returns plain text, e.g. a ``functools.partial`` of
        ``your_recommendations`` with trained models. End a cell with ``panel.attach(...)`` to show the
        panel there too (every view of it is the same panel).
        """
        if not callable(recommend):
            raise TypeError(f"recommend must be a function of my_ratings returning text, got {type(recommend).__name__}; "
                            "e.g. functools.partial(your_recommendations, mf=mf, ranker=ranker, titles=titles).")  # fmt: skip
        self.recommend = recommend
        self._show_recommendations()
        return self

    def _show_list(self) -> None:
        self.list.value = f"<pre>{html.escape(your_list(self.my_ratings, self.titles))}</pre>"

    def _show_recommendations(self) -> None:
        if self.recommend is not None:
            self.recommendations.value = f"<pre>{html.escape(self.recommend(self.my_ratings))}</pre>"

    def _repr_mimebundle_(self, **kwargs) -> dict:
        # The widget view by hand (ipywidgets 8 builds the same; 7, still found in some hosted
        # notebooks, has no _repr_mimebundle_), and a short text for places that show no widgets.
        # The recommendations are left out of the text: it is stored in the notebook and must not
        # depend on training; print them (your_recommendations) to read them without widgets.
        view = {"version_major": 2, "version_minor": 0, "model_id": self.widget.model_id}
        live = "" if self.recommend is None else "; under your list, your recommendations, redrawn after every click"
        return {"application/vnd.jupyter.widget-view+json": view, "text/plain": (
            f"Rating panel: {len(self.shortlist.children)} movies to rate, search for more; it edits my_ratings "
            f"({len(self.my_ratings)} rated now){live}.\n{your_list(self.my_ratings, self.titles)}"
        )}


def rate_movies(my_ratings: MutableMapping, titles: pd.Series, shortlist: Iterable, *, max_results: int = 8,
                on_change: Callable[[MutableMapping], None] | None = None) -> RatingPanel | None:  # fmt: skip
    """A panel of star buttons that edits ``my_ratings`` in place, or ``None`` (with a message) without ipywidgets.

    Parameters
    ----------
    my_ratings : dict {movieId: stars}
        Your ratings; clicks add, change and remove ("–") entries.
    titles : Series movieId -> title
        The movies that can be rated, in the order search results should come.
    shortlist : iterable of movieId
        The movies shown from the start (e.g. ``onboarding_order``'s first ones).
    max_results : int, default 8
        Search results shown at once.
    on_change : callable, optional
        Called with ``my_ratings`` after every click.

    Returns
    -------
    RatingPanel or None
        Display it (end the cell with it) to show the panel.
    """
    try:
        import ipywidgets
    except ImportError:
        print(NO_WIDGETS)
        return None
    return RatingPanel(ipywidgets, my_ratings, titles, shortlist, max_results=max_results, on_change=on_change)
