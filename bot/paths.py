"""Where the Rasa project files live (one place, for train, serve and the tests)."""
from __future__ import annotations

import os
from pathlib import Path

from actions.settings import PROJECT_ROOT

CONFIG = PROJECT_ROOT / "config.yml"
DOMAIN = PROJECT_ROOT / "bot" / "domain.yml"
ENDPOINTS = PROJECT_ROOT / "bot" / "endpoints.yml"
CREDENTIALS = PROJECT_ROOT / "bot" / "credentials.yml"
TRAINING_DATA = [PROJECT_ROOT / "bot" / "data", PROJECT_ROOT / "nlu"]
MODELS = Path(os.environ.get("XINYONG_MODELS") or PROJECT_ROOT / "models")
MODEL_NAME = "xinyong"
# Code that becomes part of the trained model (custom NLU components) counts as training input.
# The NLU components import the text helpers, so those count too.
TRAINING_CODE = [PROJECT_ROOT / "nlu"] + [PROJECT_ROOT / "actions" / "services" / f
                                          for f in ("codes.py", "language.py", "textnorm.py")]
