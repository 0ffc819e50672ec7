"""Tests for cfcourse/rate.py: the rating panel edits the learner's dict, and works without widgets."""

import sys

import pandas as pd
import pytest

from cfcourse import rate
from cfcourse.rate import NO_WIDGETS, STAR_OPTIONS, as_stars, rate_movies, search_titles, star_label, your_list, your_recommendations

TITLES = pd.Series({2571: "Matrix, The", 260: "Star Wars: Episode IV", 1721: "Titanic", 6365: "Matrix Reloaded, The",
                    1: "Toy Story"}, name="title")  # fmt: skip


def buttons(row):
    return row.children[1]


def test_star_options_run_from_half_a_star_to_five_and_none():
    assert STAR_OPTIONS[0] == ("–", 0.0)
    assert [v for _, v in STAR_OPTIONS[1:]] == [0.5 * k for k in range(1, 11)]
    assert [label for label, _ in STAR_OPTIONS] == ["–", "½", "1", "1½", "2", "2½", "3", "3½", "4", "4½", "5"]


def test_as_stars():
    assert as_stars(4.5) == "★★★★½" and as_stars(5.0) == "★★★★★" and as_stars(0.5) == "½"


def test_star_label_and_your_list():
    assert star_label(4.5) == "★★★★½ 4.5" and star_label(1.0) == "★ 1"
    assert your_list({}, TITLES) == "Your list is empty: rate a few movies."
    text = your_list({1721: 1.5, 2571: 5.0, 1: 5.0}, TITLES)
    assert text.splitlines() == ["Your list (3 rated):", "  ★★★★★ 5      Matrix, The", "  ★★★★★ 5      Toy Story",
                                 "  ★½ 1.5       Titanic"]  # fmt: skip


def test_search_is_case_insensitive_in_the_given_order_and_capped():
    assert search_titles(TITLES, "MATRIX") == [2571, 6365]
    assert search_titles(TITLES, "matrix", n=1) == [2571]
    assert search_titles(TITLES, "  ") == [] and search_titles(TITLES, "zzz") == []
    assert search_titles(TITLES, "(") == []  # not a regular expression


def test_clicking_stars_edits_the_same_dict_and_the_list():
    mine = {1721: 1.5}
    seen = []
    panel = rate_movies(mine, TITLES, [2571, 1721], on_change=lambda d: seen.append(dict(d)))
    matrix, titanic = panel.shortlist.children
    assert buttons(titanic).value == 1.5 and buttons(matrix).value == 0.0  # the dict's ratings show
    buttons(matrix).value = 5.0  # what a click on "5" does
    assert mine == {1721: 1.5, 2571: 5.0} and seen[-1] == mine
    assert "Matrix, The" in panel.list.value and "★★★★★ 5" in panel.list.value
    buttons(titanic).value = 0.0  # "–": not rated any more
    assert mine == {2571: 5.0} and "Titanic" not in panel.list.value


def test_search_results_can_be_rated_and_stay_in_step_with_the_shortlist():
    mine = {}
    panel = rate_movies(mine, TITLES, [2571])
    panel.search.value = "matrix"
    found = {row.children[0].value: row for row in panel.results.children}
    assert list(found) == ["Matrix, The", "Matrix Reloaded, The"]
    buttons(found["Matrix Reloaded, The"]).value = 2.0
    buttons(found["Matrix, The"]).value = 4.5
    assert mine == {6365: 2.0, 2571: 4.5}
    assert buttons(panel.shortlist.children[0]).value == 4.5  # the same movie in the shortlist follows
    panel.search.value = ""
    assert panel.results.children == ()


@pytest.mark.parametrize("stars, fix", [(4.2, "e.g. 4.0"), (7.0, "e.g. 5.0"), ("4", "e.g. 4.0")])
def test_a_rating_the_buttons_cannot_show_is_refused(stars, fix):
    with pytest.raises(ValueError, match=rf"my_ratings\[1\] = .*half stars from 0.5 to 5.0.*{fix}"):
        rate_movies({1: stars}, TITLES, [1])


def test_the_stored_text_says_what_the_panel_is():
    panel = rate_movies({260: 5.0}, TITLES, [2571, 260])
    bundle = panel._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == panel.widget.model_id
    own = panel.widget._repr_mimebundle_()  # what ipywidgets itself would show: the same view
    assert own["application/vnd.jupyter.widget-view+json"] == bundle["application/vnd.jupyter.widget-view+json"]
    assert bundle["text/plain"].startswith("Rating panel: 2 movies to rate, search for more; it edits my_ratings (1 rated now).")
    assert "Star Wars: Episode IV" in bundle["text/plain"]


@pytest.fixture(scope="module")
def models():
    """A rating and a ranking model of a small toy world (movies 0..39), and their titles."""
    from cfcourse.factorization import MatrixFactorization
    from cfcourse.implicit_feedback import ImplicitFactorization
    from cfcourse.toy import make_toy_world

    ratings = make_toy_world(60, 40, density=0.5, noise=0.1, seed=0).ratings
    mf = MatrixFactorization(n_factors=3, epochs=20, lr=0.05, batch_size=128, weight_decay=0.01).fit(ratings)
    ranker = ImplicitFactorization(n_factors=4, epochs=30, lr=0.05, weight_decay=1e-4).fit(ratings)
    return mf, ranker, pd.Series({m: f"Movie {m}" for m in range(40)}, name="title")


def test_your_recommendations_are_both_lists_with_reasons_and_nothing_you_rated(models):
    from cfcourse.explain import explain, fold_in_linear, reasons

    mf, ranker, titles = models
    mine = {0: 5.0, 3: 1.0, 7: 4.5}
    text = your_recommendations(mine, mf, ranker, titles, n=4)
    lines = text.splitlines()
    assert lines[0] == "Your recommendations from your 3 ratings (redrawn after every click)"
    rating_part = lines[2:lines.index("Ranking model, by what people who watched your movies watch:")]
    ranking_part = lines[len(rating_part) + 3:]
    assert len(rating_part) == 8 and len(ranking_part) == 4
    # the rating model's list is the linear fold-in's, each with explain's stars and reasons' words
    you = fold_in_linear(mf, mine)
    expected = mf.recommend(you, n=4)["movieId"].tolist()
    table = explain(mf, mine, expected)
    why = reasons(table, mine, titles, n=2)
    for rank, movie_id in enumerate(expected, 1):
        title_line, reason_line = rating_part[2 * rank - 2: 2 * rank]
        assert title_line == f"  {rank}. Movie {movie_id}  ({table.loc[movie_id, 'predicted']:.1f} stars)"
        assert reason_line == f"     {why[movie_id]}"
        assert reason_line.strip().startswith(("because you rated", "mostly its movie bias"))
    ranked = ranker.recommend(ranker.fold_in(pd.DataFrame({"movieId": list(mine), "rating": list(mine.values())})),
                              n=4)["movieId"].tolist()  # fmt: skip
    assert [line.split(".")[1].split("(")[0].strip() for line in ranking_part] == [f"Movie {m}" for m in ranked]
    listed = [line.split(". ", 1)[1].rsplit("  (", 1)[0] for line in [*rating_part[::2], *ranking_part]]
    assert len(listed) == 8 and not set(listed) & {f"Movie {m}" for m in mine}  # nothing you rated comes back


def test_your_recommendations_change_as_you_rate(models):
    mf, ranker, titles = models
    mine = {0: 5.0, 3: 1.0, 7: 4.5}
    before = your_recommendations(mine, mf, ranker, titles)
    first = before.splitlines()[2].split(". ", 1)[1].rsplit("  (", 1)[0]  # the rating model's first movie
    mine[int(first.split()[1])] = 1.0
    after = your_recommendations(mine, mf, ranker, titles)
    assert after.splitlines()[0].startswith("Your recommendations from your 4 ratings")
    assert f"  1. {first}  (" not in after and f"{first} 1 star " not in before
    assert your_recommendations({}, mf, ranker, titles) == "Your recommendations: rate a movie and they appear here."


def test_an_attached_panel_redraws_the_recommendations_on_every_click():
    mine = {1721: 1.5}
    calls = []

    def recommend(ratings):
        calls.append(dict(ratings))
        return f"best for {sorted(ratings)} <b>"

    panel = rate_movies(mine, TITLES, [2571, 1721])
    assert panel.recommendations.value == "" and "redrawn" not in panel._repr_mimebundle_()["text/plain"]
    assert panel.attach(recommend) is panel
    assert calls == [{1721: 1.5}] and panel.recommendations.value == "<pre>best for [1721] &lt;b&gt;</pre>"
    buttons(panel.shortlist.children[0]).value = 4.0  # a click on "4" for The Matrix
    assert calls[-1] == {1721: 1.5, 2571: 4.0} and panel.recommendations.value == "<pre>best for [1721, 2571] &lt;b&gt;</pre>"
    buttons(panel.shortlist.children[1]).value = 0.0
    assert calls[-1] == {2571: 4.0} and len(calls) == 3  # one redraw per click, none for the buttons kept in step
    text = panel._repr_mimebundle_()["text/plain"]
    assert "your recommendations, redrawn after every click" in text and "best for" not in text  # stored text stays put
    with pytest.raises(TypeError, match="recommend must be a function of my_ratings"):
        panel.attach("mf")


def test_without_ipywidgets_the_dict_is_the_way(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # import ipywidgets now raises ImportError
    assert rate_movies({1: 4.0}, TITLES, [1]) is None
    assert capsys.readouterr().out.strip() == NO_WIDGETS
    assert "edit" in NO_WIDGETS and "my_ratings" in NO_WIDGETS


def test_the_module_imports_without_ipywidgets():
    assert "ipywidgets" not in rate.__dict__  # imported lazily, inside rate_movies


def test_notebook_12_runs_its_rating_cells_without_ipywidgets():
    # The fallback path as a learner meets it: notebook 12's cells up to the check of the printed
    # recommendations, in a fresh kernel where `import ipywidgets` fails; the panel cell says what to
    # do, the dict is used, the live panel is skipped and the printed lists come from the dict.
    from pathlib import Path

    import nbformat
    from nbclient import NotebookClient

    root = Path(__file__).resolve().parents[1]
    nb = nbformat.read(root / "notebooks" / "12_your_recommendations.ipynb", as_version=4)
    panel = next(i for i, c in enumerate(nb.cells) if "rate-panel" in c.metadata.get("tags", []))
    after = next(i for i in range(panel + 1, len(nb.cells)) if nb.cells[i].cell_type == "code")
    live = next(i for i, c in enumerate(nb.cells) if "live-panel" in c.metadata.get("tags", []))
    printed, checked = [i for i in range(live + 1, len(nb.cells)) if nb.cells[i].cell_type == "code"][:2]
    blocker = nbformat.v4.new_code_cell("import sys\nsys.modules['ipywidgets'] = None  # as if not installed")
    nb.cells = [blocker] + nb.cells[: checked + 1]
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(root / "notebooks")}}).execute()  # fmt: skip
    panel_out = "".join(o.get("text", "") for o in nb.cells[panel + 1].outputs)
    assert panel_out.strip() == NO_WIDGETS
    table = nb.cells[after + 1].outputs[0]["data"]["text/plain"]
    assert "Matrix, The" in table and "Notting Hill" in table  # the example dict, read without the panel
    assert nb.cells[live + 1].outputs == []  # no panel to show again
    text = "".join(o.get("text", "") for o in nb.cells[printed + 1].outputs)
    assert text.startswith("Your recommendations from your 8 ratings") and text.count("because you rated") >= 1
    assert "five movies from each model" in "".join(o.get("text", "") for o in nb.cells[checked + 1].outputs)
