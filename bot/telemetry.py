"""Rasa reports usage to a third party (telemetry) unless its environment says not to; a public
platform must not. Every process this project starts Rasa in gets OFF in its environment: the
children of `xinyong serve`, `xinyong train` (and the test model), the load benchmark's bare server."""
from __future__ import annotations

import os
from typing import Mapping

OFF = {"RASA_TELEMETRY_ENABLED": "false"}


def without_telemetry(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """`env` (default this process's environment) with Rasa's telemetry switched off."""
    return {**(os.environ if env is None else env), **OFF}
