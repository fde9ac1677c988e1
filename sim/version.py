"""Version of the model's behaviour, recorded in each batch manifest.

Bump ``MODEL_VERSION`` whenever a change makes the same seed give different rows (rules,
random-number layout, outcome definitions). A batch refuses to resume results written by
another model version (``--force`` deletes them and starts over), so a results directory
never mixes versions.
"""

__version__ = "0.3.0"  # the package (pyproject reads it); CHANGELOG.md lists the releases

MODEL_VERSION = "3"  # 3: cooperation actions, relations that remember, driver feedback,
# dated changes, refusal memory (issue 21); 2: talks, one logit noise for every choice,
# coexisting pacts (issue 8)
