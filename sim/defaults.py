"""Defaults shared by the command line, the Python API and the app (no imports, so the
command line can read them without loading the model)."""

DEFAULT_SCENARIO = "korea_2024"  # the library scenario used when none is given
DEFAULT_SEED = 0  # the seed of one run when none is given
