"""The iMiGUE taxonomy constant, its JSON file, and the validating loader (no Django needed)."""

from __future__ import annotations

import ast
import copy
import csv
import json
from pathlib import Path

import pytest

from annotator import taxonomy as tx
from annotator.taxonomy import (
    GROUP_COLOURS,
    IMIGUE,
    IMIGUE_JSON_PATH,
    RESERVED_KEYS,
    CategoryDef,
    Taxonomy,
    TaxonomyError,
    group_colour,
    load_taxonomy,
    load_taxonomy_file,
)
from tests.support.paths import REPO

_LABELS = Path("shared/reference/imigue/labels_20200831.csv")
# The reference data lives beside the repository (<repo>/../shared); some checkouts carry it
# inside the repository (<repo>/shared).
LABELS_CSV = next(
    (base / _LABELS for base in (REPO.parent, REPO) if (base / _LABELS).is_file()), None
)

FIVE_GROUPS = ("Body", "Head", "Hand", "Body-Hand", "Head-Hand")


def test_imigue_has_32_categories_with_codes_1_to_31_and_99() -> None:
    assert len(IMIGUE.categories) == 32
    assert [c.code for c in IMIGUE.categories] == [*range(1, 32), 99]


def test_label_index_is_position_in_code_order_with_99_last() -> None:
    assert [c.label_index for c in IMIGUE.categories] == list(range(32))
    assert IMIGUE.by_code(99).label_index == 31
    assert IMIGUE.by_label_index(31).code == 99


def test_groups_are_the_papers_five_plus_illustrative() -> None:
    # C32 is the only non-micro-gesture class; Fig. 2a draws it outside the five boxes, so it
    # has its own "Illustrative" group rather than being folded into a body-part group.
    assert IMIGUE.groups == (*FIVE_GROUPS, "Illustrative")
    sizes = {g: len(IMIGUE.in_group(g)) for g in IMIGUE.groups}
    assert sizes == {
        "Body": 3,
        "Head": 4,
        "Hand": 7,
        "Body-Hand": 8,
        "Head-Hand": 9,
        "Illustrative": 1,
    }
    assert [c.code for c in IMIGUE.in_group("Illustrative")] == [99]
    assert {c.group for c in IMIGUE.categories} == set(IMIGUE.groups)


@pytest.mark.parametrize(
    ("code", "name", "group"),
    [
        (1, "Turtle neck", "Head"),
        (2, "Bulging face, deep breath", "Head"),
        (6, "Covering face", "Head-Hand"),
        (8, "Touching or scratching facial parts", "Head-Hand"),
        (11, "Touching jaw", "Head-Hand"),
        (14, "Buckle botton, pulling shirt collar, adjusting tie", "Body-Hand"),
        (15, "Touching or covering suprasternal notch", "Body-Hand"),
        (18, "Dustoffing clothes", "Body-Hand"),
        (19, "Putting arms behind body", "Body-Hand"),
        (20, "Moving torso", "Body"),
        (21, "Siting straightly", "Body"),
        (25, "Minaret gesture", "Hand"),
        (27, "Hold back arms", "Hand"),
        (29, "Pressing lips", "Head"),
        (30, "Arms akimbo", "Hand"),
        (31, "Shaking shoulders", "Body"),
        (99, "Illustrative BLs", "Illustrative"),
    ],
)
def test_names_and_groups_follow_the_paper(code: int, name: str, group: str) -> None:
    cat = IMIGUE.by_code(code)
    assert (cat.name, cat.group) == (name, group)


def test_every_category_has_a_description() -> None:
    for cat in IMIGUE.categories:
        assert cat.description and cat.description != cat.name, cat


@pytest.mark.skipif(
    LABELS_CSV is None,
    reason=f"iMiGUE reference labels not found at {REPO.parent / _LABELS} or {REPO / _LABELS}",
)
def test_codes_equal_the_classes_of_the_real_label_table() -> None:
    assert LABELS_CSV is not None
    with LABELS_CSV.open(newline="", encoding="utf-8") as fh:
        classes = {int(row["class"]) for row in csv.DictReader(fh)}
    assert {c.code for c in IMIGUE.categories} == classes


def test_hotkeys_unique_single_and_not_reserved() -> None:
    keys = [c.hotkey for c in IMIGUE.categories]
    assert len({k.casefold() for k in keys}) == len(keys) == 32
    reserved = {k.casefold() for k in RESERVED_KEYS}
    for key in keys:
        assert len(key) == 1 and key.isprintable() and not key.isspace()
        assert key.casefold() not in reserved, key


def test_reserved_keys_cover_the_workspace_bindings() -> None:
    for key in [
        "[",
        "]",
        " ",
        ",",
        ".",
        "<",
        ">",
        "?",
        "z",
        "y",
        "j",
        "k",
        "l",
        "Delete",
        "ArrowLeft",
        "ArrowRight",
        "ArrowUp",
        "ArrowDown",
    ]:
        assert key in RESERVED_KEYS


def test_by_code_unknown_raises_a_clear_keyerror() -> None:
    with pytest.raises(KeyError, match="no category with code 32"):
        IMIGUE.by_code(32)


def test_by_hotkey_is_case_insensitive() -> None:
    assert IMIGUE.by_hotkey("I").code == 99
    assert IMIGUE.by_hotkey("1").code == 1
    with pytest.raises(KeyError):
        IMIGUE.by_hotkey("z")


def test_group_colours_are_hex_one_per_group() -> None:
    assert set(GROUP_COLOURS) == set(IMIGUE.groups)
    for colour in GROUP_COLOURS.values():
        assert len(colour) == 7 and colour[0] == "#"
        int(colour[1:], 16)
    assert len(set(GROUP_COLOURS.values())) == len(GROUP_COLOURS)
    custom = Taxonomy("x", ("Face", "Feet"), ())
    assert group_colour(custom, "Feet").startswith("#")
    assert group_colour(IMIGUE, "Head") == GROUP_COLOURS["Head"]
    with pytest.raises(KeyError):
        group_colour(custom, "Knees")


def test_shipped_json_file_equals_the_constant() -> None:
    assert json.loads(IMIGUE_JSON_PATH.read_text(encoding="utf-8")) == IMIGUE.to_json()
    assert load_taxonomy_file(IMIGUE_JSON_PATH) == IMIGUE


def test_to_json_round_trips_through_the_loader() -> None:
    assert load_taxonomy(IMIGUE.to_json()) == IMIGUE
    assert json.loads(json.dumps(IMIGUE.to_json())) == IMIGUE.to_json()


def test_loader_computes_label_index_and_sorts_by_code() -> None:
    tax = load_taxonomy(
        {
            "name": "mini",
            "groups": ["A"],
            "categories": [
                {"code": 7, "name": "Seven", "group": "A", "hotkey": "s"},
                {"code": 2, "name": "Two", "group": "A", "hotkey": "t", "description": "d"},
            ],
        }
    )
    assert tax.categories == (
        CategoryDef(2, "Two", "A", "t", "d", 0),
        CategoryDef(7, "Seven", "A", "s", "", 1),
    )


def _base() -> dict:
    return copy.deepcopy(IMIGUE.to_json())


def _with(mutate) -> dict:
    data = _base()
    mutate(data)
    return data


def _set(index: int, key: str, value) -> object:
    return lambda d: d["categories"][index].__setitem__(key, value)


def _drop(index: int, key: str) -> object:
    return lambda d: d["categories"][index].pop(key)


LOADER_ERRORS = [
    # (id, mutation, substrings the message must contain)
    ("duplicate code", _set(1, "code", 1), ["code 1", "already used", "categories[0]"]),
    ("duplicate hotkey", _set(2, "hotkey", "2"), ["hotkey '2'", "already used", "Touching hat"]),
    ("duplicate hotkey other case", _set(12, "hotkey", "A"), ["hotkey 'A'", "already used"]),
    ("duplicate name", _set(3, "name", "turtle neck"), ["name 'turtle neck'", "already used"]),
    ("unknown group", _set(5, "group", "Feet"), ["group 'Feet'", "not listed", "code 6"]),
    ("missing category key", _drop(2, "hotkey"), ["categories[2]", "missing", "hotkey"]),
    ("missing code", _drop(0, "code"), ["categories[0]", "missing", "code"]),
    ("missing top-level key", lambda d: d.pop("groups"), ["missing", "groups"]),
    ("reserved hotkey", _set(0, "hotkey", "j"), ["hotkey 'j'", "reserved", "Turtle neck"]),
    ("reserved hotkey upper", _set(0, "hotkey", "Z"), ["hotkey 'Z'", "reserved"]),
    ("reserved space", _set(0, "hotkey", " "), ["reserved"]),
    ("empty hotkey", _set(7, "hotkey", ""), ["non-empty", "code 8"]),
    ("multi-char hotkey", _set(7, "hotkey", "ab"), ["single", "code 8"]),
    ("non-int code", _set(0, "code", "1"), ["code must be", "categories[0]"]),
    ("bool code", _set(0, "code", True), ["code must be"]),
    ("empty name", _set(0, "name", "  "), ["name", "non-empty"]),
    ("unknown key", _set(0, "hot_key", "q"), ["unknown", "hot_key"]),
    ("wrong label_index", _set(0, "label_index", 5), ["label_index 5", "code 1"]),
    ("duplicate group", lambda d: d["groups"].append("Body"), ["groups[6]", "twice"]),
    ("no categories", lambda d: d.__setitem__("categories", []), ["categories"]),
]


@pytest.mark.parametrize(
    ("mutate", "fragments"), [case[1:] for case in LOADER_ERRORS], ids=[c[0] for c in LOADER_ERRORS]
)
def test_loader_rejects_with_a_message_naming_the_entry(mutate, fragments: list[str]) -> None:
    with pytest.raises(TaxonomyError) as err:
        load_taxonomy(_with(mutate))
    for fragment in fragments:
        assert fragment in str(err.value)


def test_loader_rejects_non_objects() -> None:
    with pytest.raises(TaxonomyError, match="JSON object"):
        load_taxonomy([])  # type: ignore[arg-type]
    with pytest.raises(TaxonomyError, match=r"categories\[0\] must be an object"):
        load_taxonomy({"name": "x", "groups": ["A"], "categories": ["oops"]})


def test_taxonomy_error_is_a_value_error() -> None:
    assert issubclass(TaxonomyError, ValueError)


def test_load_file_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(TaxonomyError, match="bad.json"):
        load_taxonomy_file(bad)
    dup = tmp_path / "dup.json"
    dup.write_text(json.dumps(_with(_set(1, "code", 1))), encoding="utf-8")
    with pytest.raises(TaxonomyError, match=r"dup\.json.*code 1"):
        load_taxonomy_file(dup)
    with pytest.raises(TaxonomyError, match="cannot read"):
        load_taxonomy_file(tmp_path / "absent.json")


def test_module_does_not_import_django() -> None:
    tree = ast.parse(Path(tx.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    }
    assert "django" not in imported
