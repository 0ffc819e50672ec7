"""Shared test set-up: plots render headless, and nothing reads the user's real cache."""

import matplotlib

matplotlib.use("Agg")
