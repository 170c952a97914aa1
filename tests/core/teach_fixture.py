"""A real trained checkpoint (fashion-v0, one epoch, from `main.py train`) in the run history,
and folders of drawings made the way people draw (benchmarks/drawings.py), for the teach tests."""
import sys
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]


def trained_checkpoint(folder: Path) -> str:
    import json
    import subprocess
    out = subprocess.run([sys.executable, str(ROOT / "main.py"), "train", "--model", "fashion-v0",
                          "--epochs", "1", "--threads", "1", "--out", str(folder)],
                         capture_output=True, text=True, timeout=600, check=True).stdout
    return [json.loads(line) for line in out.splitlines() if '"result"' in line or '"checkpoint"' in line][-1]


def write_drawings(folder: Path, labels: dict, per_class: int = 2, seed: int = 3) -> list[Path]:
    """PNG canvases of the classes in `labels` ({folder name: class index})."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from drawings import draw
    rng = np.random.default_rng(seed)
    files = []
    for name, label in labels.items():
        (folder / name).mkdir(parents=True, exist_ok=True)
        for k in range(per_class):
            canvas = draw(label, ("silhouette", "outline", "ink")[k % 3], rng, 12)
            path = folder / name / f"d{k}.png"
            Image.fromarray((canvas * 255).astype(np.uint8)).save(path)
            files.append(path)
    return files
