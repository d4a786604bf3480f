"""The workspace's default keys (frontend/static/frontend/annotate/keymap.js) keep the rule the
taxonomy relies on: each is a key the taxonomy reserves for the workspace or a modifier
combination, so no category hotkey can shadow a command, and no two commands share a key."""

from __future__ import annotations

import re

from annotator.taxonomy import RESERVED_KEYS
from tests.support.paths import REPO

KEYMAP = REPO / "frontend" / "static" / "frontend" / "annotate" / "keymap.js"


def defaults() -> dict[str, str]:
    block = KEYMAP.read_text().split("export const ACTIONS = {", 1)[1].split("\n};", 1)[0]
    return dict(re.findall(r'^\s+(\w+): \["((?:[^"\\]|\\.)*)",', block, re.MULTILINE))


def test_every_default_is_reserved_or_has_a_modifier_and_none_is_shared():
    keys = defaults()
    assert {"next_proposal", "prev_proposal", "accept_proposal", "reject_proposal"} <= set(keys)
    assert len(keys) >= 38
    for action, key in keys.items():
        modified = "+" in key and key != "+"
        assert modified or key in RESERVED_KEYS, f"{action}: {key!r} could be a category's key"
    assert len(set(keys.values())) == len(keys), "two commands share a key"
