"""Micro-gesture category taxonomies: the built-in iMiGUE one and user-supplied JSON ones.

Pure Python (no Django): the labeler workspace, the exporters and the baselines all read the
same :class:`Taxonomy`. A custom taxonomy is a JSON object in the format of
``annotator/taxonomies/imigue.json`` (generated from :data:`IMIGUE` with
``python -m annotator.taxonomy > annotator/taxonomies/imigue.json``)::

    {"name": "...", "groups": ["...", ...],
     "categories": [{"code": 1, "name": "...", "group": "...", "hotkey": "1",
                     "description": "..."}, ...]}

``description`` is optional; ``label_index`` is optional and, when given, must equal the
category's position in code order (it is what a classifier's output index means).

iMiGUE (Liu et al., CVPR 2021, Fig. 2a) sorts 31 micro-gestures into five groups by where the
movement happens (Body, Head, Hand, Body-Hand, Head-Hand) and adds C32, "Illustrative BLs"
(illustrative body language: gestures that accompany speech, i.e. *not* micro-gestures). In the
released label table C1..C31 are codes 1..31 and C32 is code 99. Names are spelled exactly as in
the paper's figure, typos included ("Siting straightly", "Buckle botton", "Dustoffing clothes"),
so that exports line up with the published dataset.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

from annotator.errors import DomainError

__all__ = [
    "GROUP_COLOURS",
    "IMIGUE",
    "IMIGUE_JSON_PATH",
    "RESERVED_KEYS",
    "CategoryDef",
    "Taxonomy",
    "TaxonomyError",
    "group_colour",
    "lane_colour",
    "load_taxonomy",
    "load_taxonomy_file",
]

#: Keys the labeler workspace keeps for its own annotation and playback commands
#: (``KeyboardEvent.key`` values): ``[ ] space , . < > ? z y j k l``, Delete, the arrows, plus
#: ``/`` (``?`` without shift), Backspace, Escape, Enter and Tab. No category hotkey may use one;
#: the comparison is case-insensitive (so ``Z`` is refused too).
RESERVED_KEYS: frozenset[str] = frozenset(
    {
        "[",
        "]",
        " ",
        ",",
        ".",
        "<",
        ">",
        "?",
        "/",
        "j",
        "k",
        "l",
        "z",
        "y",
        "Delete",
        "Backspace",
        "Escape",
        "Enter",
        "Tab",
        "ArrowLeft",
        "ArrowRight",
        "ArrowUp",
        "ArrowDown",
    }
)
_RESERVED_FOLDED = frozenset(k.casefold() for k in RESERVED_KEYS)

#: One colour per iMiGUE group (after the paper's Fig. 2b), for charts and timeline lanes.
GROUP_COLOURS: dict[str, str] = {
    "Body": "#E5484D",
    "Head": "#9B6FD6",
    "Hand": "#7BC46B",
    "Body-Hand": "#3B6FD4",
    "Head-Hand": "#F2A900",
    "Illustrative": "#6B7280",
}
# Used for the groups of custom taxonomies, by the group's position.
_FALLBACK_PALETTE = (
    "#E5484D",
    "#9B6FD6",
    "#7BC46B",
    "#3B6FD4",
    "#F2A900",
    "#6B7280",
    "#12A594",
    "#D6409F",
    "#8D6E63",
    "#0090FF",
    "#F76B15",
    "#46A758",
)

IMIGUE_JSON_PATH = Path(__file__).resolve().parent / "taxonomies" / "imigue.json"


class TaxonomyError(DomainError, ValueError):
    """A taxonomy definition is malformed; the message names the offending entry."""

    code = "bad_taxonomy"


@dataclass(frozen=True)
class CategoryDef:
    code: int
    name: str
    group: str
    hotkey: str
    description: str
    label_index: int  # 0..N-1 in code order: the class index used by models and exports

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "group": self.group,
            "hotkey": self.hotkey,
            "description": self.description,
            "label_index": self.label_index,
        }


@dataclass(frozen=True)
class Taxonomy:
    name: str
    groups: tuple[str, ...]
    categories: tuple[CategoryDef, ...]  # sorted by code, so categories[i].label_index == i

    def by_code(self, code: int) -> CategoryDef:
        for cat in self.categories:
            if cat.code == code:
                return cat
        known = ", ".join(str(c.code) for c in self.categories)
        raise KeyError(
            f"taxonomy {self.name!r} has no category with code {code!r} (known codes: {known})"
        )

    def by_hotkey(self, key: str) -> CategoryDef:
        folded = key.casefold()
        for cat in self.categories:
            if cat.hotkey.casefold() == folded:
                return cat
        raise KeyError(f"taxonomy {self.name!r} has no category on hotkey {key!r}")

    def by_label_index(self, index: int) -> CategoryDef:
        if not 0 <= index < len(self.categories):
            raise KeyError(
                f"taxonomy {self.name!r} has no label index {index!r} "
                f"(0..{len(self.categories) - 1})"
            )
        return self.categories[index]

    def in_group(self, group: str) -> tuple[CategoryDef, ...]:
        return tuple(c for c in self.categories if c.group == group)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "groups": list(self.groups),
            "categories": [c.to_json() for c in self.categories],
        }


def group_colour(taxonomy: Taxonomy, group: str) -> str:
    """The hex colour of ``group``: :data:`GROUP_COLOURS` when it has one, else a palette entry."""
    if group in GROUP_COLOURS:
        return GROUP_COLOURS[group]
    try:
        position = taxonomy.groups.index(group)
    except ValueError:
        raise KeyError(f"taxonomy {taxonomy.name!r} has no group {group!r}") from None
    return _FALLBACK_PALETTE[position % len(_FALLBACK_PALETTE)]


def lane_colour(group: str, position: int) -> str:
    """The colour of ``group`` when it sits at ``position`` among a project's groups."""
    return GROUP_COLOURS.get(group) or _FALLBACK_PALETTE[position % len(_FALLBACK_PALETTE)]


# --------------------------------------------------------------------------- loading / validation

_TOP_REQUIRED = ("name", "groups", "categories")
_CAT_REQUIRED = ("code", "name", "group", "hotkey")
_CAT_OPTIONAL = ("description", "label_index")


def _non_empty_str(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise TaxonomyError(f"{where} must be a non-empty string, got {value!r}")
    return value.strip()


def _check_hotkey(value: object, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise TaxonomyError(f"{where}: hotkey must be a non-empty string, got {value!r}")
    if len(value) != 1 or not value.isprintable():
        raise TaxonomyError(f"{where}: hotkey must be a single printable character, got {value!r}")
    if value.casefold() in _RESERVED_FOLDED:
        reserved = " ".join(sorted(repr(k) for k in RESERVED_KEYS))
        raise TaxonomyError(
            f"{where}: hotkey {value!r} is reserved by the labeler workspace (reserved: {reserved})"
        )
    return value


def _label(index: int, raw: Mapping[str, Any]) -> str:
    """How an error names a category: its position plus whatever identifies it."""
    parts = [f"categories[{index}]"]
    if "code" in raw:
        parts.append(f"code {raw['code']!r}")
    if isinstance(raw.get("name"), str):
        parts.append(repr(raw["name"]))
    return " ".join(parts)


def load_taxonomy(data: Mapping[str, Any]) -> Taxonomy:
    """Validate a JSON-like taxonomy definition and build a :class:`Taxonomy`.

    Checks required keys (and refuses unknown ones, which are usually typos), unique codes,
    unique names, unique non-empty hotkeys that are not in :data:`RESERVED_KEYS`, and that every
    category's group is listed in ``groups``. Raises :class:`TaxonomyError` naming the entry.
    """
    if not isinstance(data, Mapping):
        raise TaxonomyError(f"a taxonomy must be a JSON object, got {type(data).__name__}")
    missing = [k for k in _TOP_REQUIRED if k not in data]
    if missing:
        raise TaxonomyError(f"taxonomy is missing required key(s): {', '.join(missing)}")
    unknown = sorted(set(data) - set(_TOP_REQUIRED))
    if unknown:
        raise TaxonomyError(f"taxonomy has unknown key(s): {', '.join(map(str, unknown))}")
    name = _non_empty_str(data["name"], "taxonomy 'name'")

    raw_groups = data["groups"]
    if not isinstance(raw_groups, list | tuple) or not raw_groups:
        raise TaxonomyError("taxonomy 'groups' must be a non-empty list of group names")
    groups: list[str] = []
    for i, g in enumerate(raw_groups):
        g = _non_empty_str(g, f"groups[{i}]")
        if g in groups:
            raise TaxonomyError(f"groups[{i}]: group {g!r} is listed twice")
        groups.append(g)

    raw_cats = data["categories"]
    if not isinstance(raw_cats, list | tuple) or not raw_cats:
        raise TaxonomyError("taxonomy 'categories' must be a non-empty list")
    parsed: list[tuple[int, str, str, str, str, object]] = []
    seen_codes: dict[int, str] = {}
    seen_names: dict[str, str] = {}
    seen_keys: dict[str, str] = {}
    for i, raw in enumerate(raw_cats):
        if not isinstance(raw, Mapping):
            raise TaxonomyError(f"categories[{i}] must be an object, got {type(raw).__name__}")
        where = _label(i, raw)
        missing = [k for k in _CAT_REQUIRED if k not in raw]
        if missing:
            raise TaxonomyError(f"{where} is missing required key(s): {', '.join(missing)}")
        unknown = sorted(set(raw) - set(_CAT_REQUIRED) - set(_CAT_OPTIONAL))
        if unknown:
            raise TaxonomyError(f"{where} has unknown key(s): {', '.join(map(str, unknown))}")
        code = raw["code"]
        if isinstance(code, bool) or not isinstance(code, int) or code < 0:
            raise TaxonomyError(f"{where}: code must be a non-negative integer, got {code!r}")
        cname = _non_empty_str(raw["name"], f"{where}: name")
        group = _non_empty_str(raw["group"], f"{where}: group")
        if group not in groups:
            raise TaxonomyError(
                f"{where}: group {group!r} is not listed in 'groups' ({', '.join(groups)})"
            )
        hotkey = _check_hotkey(raw["hotkey"], where)
        description = raw.get("description", "")
        if not isinstance(description, str):
            raise TaxonomyError(f"{where}: description must be a string, got {description!r}")
        if code in seen_codes:
            raise TaxonomyError(f"{where}: code {code} is already used by {seen_codes[code]}")
        if cname.casefold() in seen_names:
            raise TaxonomyError(
                f"{where}: name {cname!r} is already used by {seen_names[cname.casefold()]}"
            )
        if hotkey.casefold() in seen_keys:
            raise TaxonomyError(
                f"{where}: hotkey {hotkey!r} is already used by {seen_keys[hotkey.casefold()]}"
            )
        seen_codes[code] = seen_names[cname.casefold()] = seen_keys[hotkey.casefold()] = where
        parsed.append((code, cname, group, hotkey, description.strip(), raw.get("label_index")))

    parsed.sort(key=lambda p: p[0])
    categories = []
    for index, (code, cname, group, hotkey, description, given_index) in enumerate(parsed):
        if given_index is not None and given_index != index:
            raise TaxonomyError(
                f"category code {code} {cname!r}: label_index {given_index!r} does not match its "
                f"position in code order ({index}); omit label_index to have it computed"
            )
        categories.append(CategoryDef(code, cname, group, hotkey, description, index))
    return Taxonomy(name=name, groups=tuple(groups), categories=tuple(categories))


def load_taxonomy_file(path: str | PathLike[str]) -> Taxonomy:
    """Read and validate a taxonomy JSON file (see :func:`load_taxonomy`)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TaxonomyError(f"cannot read taxonomy file {path}: {exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TaxonomyError(f"{path} is not valid JSON: {exc}") from exc
    try:
        return load_taxonomy(data)
    except TaxonomyError as exc:
        raise TaxonomyError(f"{path}: {exc}") from exc


# --------------------------------------------------------------------------------------- iMiGUE

# (code, name as in the paper's Fig. 2a, group, hotkey, description). Hotkeys: C1..C9 on 1..9,
# C10 on 0, C11..C31 on the free letters in order (a..h, then m..x); C19, the rarest class
# (2 clips in the released table), gets ';' because only 31 digits and letters are free; C32,
# the most frequent class, gets 'i' for "illustrative".
_IMIGUE_ROWS: tuple[tuple[int, str, str, str, str], ...] = (
    (
        1,
        "Turtle neck",
        "Head",
        "1",
        "Head sinks down and back between raised shoulders, shortening the neck.",
    ),
    (
        2,
        "Bulging face, deep breath",
        "Head",
        "2",
        "Cheeks puff out or the person draws a visibly deep breath.",
    ),
    (
        3,
        "Touching hat",
        "Head-Hand",
        "3",
        "A hand goes up to touch, lift or straighten the cap or hat being worn.",
    ),
    (
        4,
        "Touching or scratching head",
        "Head-Hand",
        "4",
        "Fingers touch or scratch the top, side or back of the head.",
    ),
    (
        5,
        "Touching or scratching forehead",
        "Head-Hand",
        "5",
        "Fingers rub, scratch or rest on the forehead or brow.",
    ),
    (6, "Covering face", "Head-Hand", "6", "One or both hands are held over much of the face."),
    (7, "Rubbing eyes", "Head-Hand", "7", "Fingers or knuckles rub one or both eyes."),
    (
        8,
        "Touching or scratching facial parts",
        "Head-Hand",
        "8",
        "A hand touches or scratches the nose, cheek, mouth or another part of the face.",
    ),
    (9, "Touching ears", "Head-Hand", "9", "Fingers touch, rub or tug an ear."),
    (
        10,
        "Biting nails",
        "Head-Hand",
        "0",
        "Fingertips are brought to the mouth and the nails nibbled.",
    ),
    (11, "Touching jaw", "Head-Hand", "a", "A hand strokes, props or holds the chin or jawline."),
    (
        12,
        "Touching or scratching neck",
        "Body-Hand",
        "b",
        "A hand rubs, scratches or holds the side or back of the neck.",
    ),
    (
        13,
        "Playing or adjusting hair",
        "Body-Hand",
        "c",
        "Fingers twirl, smooth, tuck or rearrange the hair.",
    ),
    (
        14,
        "Buckle botton, pulling shirt collar, adjusting tie",
        "Body-Hand",
        "d",
        "Hands fiddle with a button, tug the shirt collar or straighten a tie.",
    ),
    (
        15,
        "Touching or covering suprasternal notch",
        "Body-Hand",
        "e",
        "A hand touches or covers the hollow at the base of the throat.",
    ),
    (
        16,
        "Scratching back",
        "Body-Hand",
        "f",
        "A hand reaches over the shoulder or behind to scratch or rub the back.",
    ),
    (17, "Folding arms", "Body-Hand", "g", "Both forearms are crossed over the chest."),
    (
        18,
        "Dustoffing clothes",
        "Body-Hand",
        "h",
        "The hand brushes, flicks or smooths the clothing as if removing dust or creases.",
    ),
    (
        19,
        "Putting arms behind body",
        "Body-Hand",
        ";",
        "The arms are moved behind the back or the chair, out of the frontal view.",
    ),
    (20, "Moving torso", "Body", "m", "The upper body shifts, sways, leans or rocks in the seat."),
    (
        21,
        "Siting straightly",
        "Body",
        "n",
        "The person straightens up into an upright, rigid sitting posture.",
    ),
    (
        22,
        "Scratching or touching arms",
        "Hand",
        "o",
        "One hand scratches, rubs or holds the other arm.",
    ),
    (
        23,
        "Rubbing or holding hands",
        "Hand",
        "p",
        "The hands rub against each other or clasp one another.",
    ),
    (24, "Crossing fingers", "Hand", "q", "The fingers of both hands are interlaced."),
    (
        25,
        "Minaret gesture",
        "Hand",
        "r",
        "Fingertips of both hands touch to form a steeple or spire shape.",
    ),
    (
        26,
        "Playing or manipulating objects",
        "Hand",
        "s",
        "The hands fiddle with an object such as a bottle, microphone, pen or paper.",
    ),
    (
        27,
        "Hold back arms",
        "Hand",
        "t",
        "The arms are drawn back and held still, as if restraining them.",
    ),
    (28, "Head up", "Head", "u", "The chin lifts and the head tilts upward."),
    (29, "Pressing lips", "Head", "v", "The lips are pressed tightly together or pulled in."),
    (
        30,
        "Arms akimbo",
        "Hand",
        "w",
        "Hands rest on the hips or waist with the elbows bent outward.",
    ),
    (31, "Shaking shoulders", "Body", "x", "The shoulders shrug or jiggle up and down."),
    (
        99,
        "Illustrative BLs",
        "Illustrative",
        "i",
        "Not a micro-gesture: deliberate body language that illustrates speech, "
        "such as gesturing while explaining.",
    ),
)

#: The iMiGUE taxonomy. The paper's five groups come first; C32 (code 99) sits in a sixth group,
#: "Illustrative", because it is the one non-micro-gesture class and Fig. 2a draws it outside
#: the five group boxes: folding it into a body-part group would mix MGs with non-MGs in
#: per-group statistics.
IMIGUE: Taxonomy = load_taxonomy(
    {
        "name": "iMiGUE",
        "groups": ["Body", "Head", "Hand", "Body-Hand", "Head-Hand", "Illustrative"],
        "categories": [
            {"code": c, "name": n, "group": g, "hotkey": k, "description": d}
            for c, n, g, k, d in _IMIGUE_ROWS
        ],
    }
)


if __name__ == "__main__":  # regenerate annotator/taxonomies/imigue.json
    print(json.dumps(IMIGUE.to_json(), indent=2, ensure_ascii=False))
