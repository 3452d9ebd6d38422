"""`xinyong train`: train the Rasa model into models/ only when its inputs changed.

The inputs (config, domain, stories, rules, NLU data, dictionaries, custom component code) are
hashed; models/xinyong.inputs.sha256 remembers the hash of the model on disk.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from bot import paths
from bot.telemetry import without_telemetry


def _files() -> list[Path]:
    files = [paths.CONFIG, paths.DOMAIN]
    for root in paths.TRAINING_DATA + paths.TRAINING_CODE:
        if root.is_file():
            files.append(root)
            continue
        files += [p for p in sorted(root.rglob("*")) if p.is_file() and "__pycache__" not in p.parts]
    return sorted(set(files))


def inputs_hash(epochs: int | None = None) -> str:
    h = hashlib.sha256(f"epochs={epochs}".encode())
    for f in _files():
        h.update(str(f.relative_to(paths.CONFIG.parent)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def model_path(out: Path) -> Path:
    return out / f"{paths.MODEL_NAME}.tar.gz"


def config_with_epochs(epochs: int) -> Path:
    """A copy of config.yml with every `epochs` lowered: for the test model only."""
    cfg = yaml.safe_load(paths.CONFIG.read_text(encoding="utf-8"))
    for part in cfg.get("pipeline", []) + cfg.get("policies", []):
        if "epochs" in part:
            part["epochs"] = min(part["epochs"], epochs)
    fd, name = tempfile.mkstemp(suffix=".yml", prefix="xinyong-config-")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        yaml.safe_dump(cfg, fh, allow_unicode=True)
    return Path(name)


def train(force: bool = False, out: Path | None = None, epochs: int | None = None) -> int:
    out = out or paths.MODELS
    epochs = epochs or (int(os.environ["XINYONG_TRAIN_EPOCHS"]) if os.environ.get("XINYONG_TRAIN_EPOCHS") else None)
    out.mkdir(parents=True, exist_ok=True)
    digest = inputs_hash(epochs)
    stamp = out / f"{paths.MODEL_NAME}.inputs.sha256"
    if not force and model_path(out).exists() and stamp.exists() and stamp.read_text().strip() == digest:
        print(f"模型已是最新，无需训练 (model up to date): {model_path(out)}")
        return 0
    config = config_with_epochs(epochs) if epochs else paths.CONFIG
    cmd = [sys.executable, "-m", "rasa", "train", "--config", str(config), "--domain", str(paths.DOMAIN),
           "--data", *map(str, paths.TRAINING_DATA), "--out", str(out),
           "--fixed-model-name", paths.MODEL_NAME, "--force"]
    print(f"训练模型 (training) → {model_path(out)}", flush=True)
    try:
        rc = subprocess.call(cmd, cwd=paths.CONFIG.parent, env=without_telemetry())
    finally:
        if epochs:
            config.unlink(missing_ok=True)
    if rc == 0:
        stamp.write_text(digest + "\n")
    else:
        print("训练失败 (training failed); see the output above", file=sys.stderr)
    return rc
