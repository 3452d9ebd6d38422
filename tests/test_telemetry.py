"""Rasa reports usage and errors to a third party unless its environment says not to: every process
this project starts Rasa in gets RASA_TELEMETRY_ENABLED=false (bot/telemetry.py). `xinyong serve`'s
children are checked in their /proc environment (tests/test_serve_exposure.py, tests/test_faults.py);
here the training subprocess (`xinyong train`, also how the test model is made) and the load
benchmark's bare Rasa server, whose environments are captured as they are started."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from bot import training

pytestmark = pytest.mark.probe  # the security probe's findings, attacked again (docs/security.md)


def test_training_runs_rasa_with_telemetry_off(tmp_path, monkeypatch):
    monkeypatch.setenv("RASA_TELEMETRY_ENABLED", "true")  # as a developer's shell might have it
    started = []

    def call(cmd, **kwargs):
        started.append((cmd, kwargs.get("env")))
        return 1  # pretend training failed: nothing is written

    monkeypatch.setattr(training.subprocess, "call", call)
    assert training.train(force=True, out=tmp_path, epochs=1) == 1
    (cmd, env), = started
    assert cmd[1:4] == ["-m", "rasa", "train"]
    assert env is not None and env["RASA_TELEMETRY_ENABLED"] == "false"


def test_the_load_benchmarks_bare_rasa_runs_with_telemetry_off(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("bench_load", Path(__file__).parents[1] / "bench" / "load.py")
    load = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "bench_load", load)  # its dataclasses look themselves up there
    spec.loader.exec_module(load)
    started = []

    class Proc:
        def __init__(self, cmd, **kwargs):
            started.append((cmd, kwargs.get("env")))

    monkeypatch.setattr(load.subprocess, "Popen", Proc)
    monkeypatch.setattr(load.subprocess, "run", lambda cmd, **kw: started.append((cmd, kw.get("env"))))
    monkeypatch.setattr(load, "wait_http", lambda *a, **k: None)
    (tmp_path / "bare").mkdir()
    load.start_bare(tmp_path / "bare.tar.gz", tmp_path)
    load.bare_model(tmp_path / "train")
    assert {tuple(cmd[1:4]) for cmd, _ in started} == {("-m", "rasa", "run"), ("-m", "rasa", "train")}
    assert all(env and env["RASA_TELEMETRY_ENABLED"] == "false" for _, env in started)
