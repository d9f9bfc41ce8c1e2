# SPDX-License-Identifier: Apache-2.0
"""The native export is a model package the engine loads (inherent.Engine): it scores
like the float64 reference, and the thresholds and version given to `inherent export`
reach the engine's decisions."""
import json

import numpy as np
import pytest

import inherent
from export_helpers import _TMP, example_mels, export, metadata, reference_scores, report

if not hasattr(inherent, "Engine"):
    pytest.skip("this build of the inherent module has no Engine", allow_module_level=True)


@pytest.mark.parametrize("config", ["tiny", "small"])
def test_native_package_scores_like_the_reference(config):
    engine = inherent.Engine(str(export(config, "native")))
    got = np.stack([engine.score_mel(m) for _, m in example_mels()])
    assert report(f"native {config} (engine {engine.kernels})", got, reference_scores(config))[0] <= 1e-4


def test_native_package_carries_thresholds_and_version():
    keys = list(inherent.THRESHOLD_KEYS)
    table = {k: round(0.3 + 0.05 * i, 2) for i, k in enumerate(keys)}
    path = _TMP / "thresholds.json"
    path.write_text(json.dumps({"default_thresholds": table, "calibration": {"method": "f1_max", "split": "eval"}}))
    folder = export("tiny", "native", "--thresholds", str(path), "--model-version", "2.1.0")
    engine = inherent.Engine(str(folder))
    assert engine.version == "2.1.0"
    assert engine.thresholds == pytest.approx(table)
    meta = metadata(folder)
    assert meta["threshold_calibration"] == {"method": "f1_max", "split": "eval"}
    scores = np.array([0.31] + [0.99] * 12, dtype=np.float32)  # head 0 just above its 0.30
    assert engine.decide(scores) == list(inherent.HEAD_ORDER)
    scores[0] = 0.29
    assert engine.decide(scores) == []
