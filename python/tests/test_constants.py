# SPDX-License-Identifier: Apache-2.0
"""The module's constants come from the C headers (heads.inc via the X-macro, inherent.h
macros). These tests read the header text independently and hold both against the
contract table of contracts/runtime_contract.md, so a drift anywhere fails here."""
import importlib.metadata
import re

import numpy as np
import pytest

import inherent

# contracts/runtime_contract.md: index, name, threshold key, seed default threshold.
DESIGN_HEADS = [
    (0, "isInteresting", "is_interesting", "0.57"),
    (1, "hasAddToListIntent", "has_add_to_list_intent", "0.65"),
    (2, "hasTermSearchQuery", "has_term_search_query", "0.90"),
    (3, "hasPhotoQuery", "has_photo_query", "0.90"),
    (4, "hasCalendarEvent", "has_calendar_event", "0.90"),
    (5, "hasCreateDocIntent", "has_create_doc_intent", "0.90"),
    (6, "hasPersonContext", "has_person_context", "0.56"),
    (7, "hasEventContext", "has_event_context", "0.74"),
    (8, "hasDeepResearchIntent", "has_deep_research_intent", "0.90"),
    (9, "hasInsightIntent", "has_insight_intent", "0.90"),
    (10, "hasBrowsingAgentIntent", "has_browsing_agent_intent", "0.90"),
    (11, "hasCallingAgentIntent", "has_calling_agent_intent", "0.90"),
    (12, "hasStartTimerIntent", "has_start_timer_intent", "0.90"),
]

# docs/frontend.md and contracts/runtime_contract.md.
DESIGN_FRONTEND = {
    "N_HEADS": 13,
    "SAMPLE_RATE": 16000,
    "N_MELS": 128,
    "WIN_LENGTH": 400,
    "HOP_LENGTH": 320,
    "N_FFT": 1024,
    "MAX_FRAMES": 3000,
}


@pytest.fixture(scope="module")
def heads_inc(repo):
    text = (repo / "include" / "inherent" / "heads.inc").read_text()
    rows = re.findall(r"^INHERENT_HEAD\(\s*(\d+)\s*,\s*(\w+)\s*,\s*(\w+)\s*,\s*([0-9.]+)f?\s*\)", text, re.M)
    return [(int(i), name, key, value) for i, name, key, value in rows]


@pytest.fixture(scope="module")
def header_macros(repo):
    text = (repo / "include" / "inherent" / "inherent.h").read_text()
    return {k: int(v) for k, v in re.findall(r"^#define INHERENT_(\w+)\s+(\d+)\b", text, re.M)}


def test_heads_inc_matches_design_table(heads_inc):
    assert len(heads_inc) == 13
    for (i, name, key, value), (di, dname, dkey, dvalue) in zip(heads_inc, DESIGN_HEADS):
        assert (i, name, key) == (di, dname, dkey)
        assert float(value) == float(dvalue)


def test_head_order(heads_inc):
    assert isinstance(inherent.HEAD_ORDER, tuple)
    assert inherent.HEAD_ORDER == tuple(name for _, name, _, _ in heads_inc)
    assert inherent.HEAD_ORDER == tuple(name for _, name, _, _ in DESIGN_HEADS)
    assert len(inherent.HEAD_ORDER) == inherent.N_HEADS == 13


def test_threshold_keys(heads_inc):
    assert isinstance(inherent.THRESHOLD_KEYS, tuple)
    assert inherent.THRESHOLD_KEYS == tuple(key for _, _, key, _ in heads_inc)
    # Keys are the snake_case spelling of the names.
    for name, key in zip(inherent.HEAD_ORDER, inherent.THRESHOLD_KEYS):
        assert re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower() == key


def test_default_thresholds_are_round_decimals(heads_inc):
    d = inherent.DEFAULT_THRESHOLDS
    assert list(d) == list(inherent.THRESHOLD_KEYS)  # head order
    for _, _, key, text in heads_inc:
        # The decimal written in the table (0.57), not float32's 0.5699999928474426 ...
        assert d[key] == float(text)
        assert repr(d[key]) == repr(float(text))
        # ... and still the very float32 the C ABI compares scores with.
        assert np.float32(d[key]) == np.float32(text)
    assert d["is_interesting"] == 0.57
    assert d["has_person_context"] == 0.56


def test_frontend_constants(header_macros):
    for name, value in DESIGN_FRONTEND.items():
        assert getattr(inherent, name) == value, name
        assert header_macros[name] == value, name


def test_version():
    # The native library's version is the installed distribution's version.
    assert inherent.__version__ == importlib.metadata.version("inherent")
    assert re.fullmatch(r"\d+\.\d+\.\d+", inherent.__version__)


def test_version_matches_header(header_macros):
    expected = "{VERSION_MAJOR}.{VERSION_MINOR}.{VERSION_PATCH}".format(**header_macros)
    assert inherent.__version__ == expected


def test_public_names():
    for name in inherent.__all__:
        assert hasattr(inherent, name), name
