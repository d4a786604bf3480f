"""Train/test splits of a release (docs/design.md §10): cross-subject for MGs, balanced for emotion.

Pure (no Django). Inputs are plain rows — the dicts that become ``clips.csv`` / ``videos.csv`` —
so the same functions split a project's clips, an imported iMiGUE table or a test fixture.

- :func:`cross_subject_from_lists` / :func:`generate_cross_subject`: subject-disjoint MG splits,
  with a per-class report of clips on each side (and of classes missing from one side).
- :func:`emotion_from_lists` / :func:`generate_emotion`: video-level win/lose splits.
- :func:`parse_protocol`: the official iMiGUE lists from the text of its evaluation protocol.

Ids are compared as strings (``7`` and ``"7"`` are the same subject) and sorted numerically when
they are numbers, so a split's JSON does not depend on the order rows arrived in.
"""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "DEFAULT_EMOTION_TEST_FRACTION",
    "DEFAULT_TEST_FRACTION",
    "EMOTIONS",
    "ClassPresence",
    "CrossSubjectSplit",
    "EmotionSplit",
    "ProtocolLists",
    "cross_subject_from_lists",
    "emotion_from_lists",
    "generate_cross_subject",
    "generate_emotion",
    "id_sort_key",
    "parse_protocol",
]

EMOTIONS = ("positive", "negative")  # win → positive, lose → negative (docs/design.md §3)
DEFAULT_TEST_FRACTION = 0.25  # iMiGUE's official split puts 4,563 of 18,498 clips in test
DEFAULT_EMOTION_TEST_FRACTION = 0.5  # iMiGUE: 102 train / 100 test videos


def id_sort_key(value: Any) -> tuple[int, int, str]:
    """Numbers first, in numeric order, then other ids as strings (``"2" < "10" < "S01"``)."""
    text = str(value)
    return (0, int(text), "") if text.isdigit() else (1, 0, text)


def _sorted_ids(values: Iterable[Any]) -> tuple[str, ...]:
    return tuple(sorted({str(v) for v in values}, key=id_sort_key))


def _json_id(value: str) -> int | str:
    return int(value) if value.isdigit() else value


# --- the official protocol -------------------------------------------------------------------


@dataclass(frozen=True)
class ProtocolLists:
    """The four id lists of iMiGUE's evaluation protocol, in the order the text gives them."""

    train_subjects: tuple[int, ...]
    test_subjects: tuple[int, ...]
    train_videos: tuple[int, ...]
    test_videos: tuple[int, ...]


_SET_RE = re.compile(r"(Training|Testing)\s+set\s*:\s*\{([^}]*)\}", re.IGNORECASE)


def parse_protocol(text: str) -> ProtocolLists:
    """Read ``Training set: {…}`` / ``Testing set: {…}`` pairs: subjects first, then videos.

    The text is the PDF's extraction, so a list may wrap over lines; numbers are read between
    the braces whatever the spacing. Raises ``ValueError`` unless there are exactly two
    training/testing pairs.
    """
    sets = _SET_RE.findall(text)
    kinds = [k.lower() for k, _ in sets]
    if kinds != ["training", "testing", "training", "testing"]:
        raise ValueError(
            "expected 'Training set: {…}' and 'Testing set: {…}' for subjects, then for videos; "
            f"found {len(sets)} sets ({', '.join(kinds) or 'none'})"
        )
    ids = [tuple(int(x) for x in re.findall(r"\d+", body)) for _, body in sets]
    return ProtocolLists(*ids)


# --- cross-subject ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassPresence:
    """How many clips of one category each side of a split holds."""

    category_code: str
    train: int
    test: int

    @property
    def total(self) -> int:
        return self.train + self.test

    @property
    def test_fraction(self) -> float:
        return self.test / self.total if self.total else 0.0


@dataclass(frozen=True)
class CrossSubjectSplit:
    train_subject_ids: tuple[str, ...]
    test_subject_ids: tuple[str, ...]
    train_clip_ids: tuple[str, ...]
    test_clip_ids: tuple[str, ...]
    per_class: tuple[ClassPresence, ...]
    config: Mapping[str, Any]
    #: clips whose subject is in neither list (given lists only); they are in no split
    excluded_clip_ids: tuple[str, ...] = ()
    excluded_subject_ids: tuple[str, ...] = ()

    @property
    def absent_from_train(self) -> tuple[str, ...]:
        return tuple(p.category_code for p in self.per_class if p.train == 0)

    @property
    def absent_from_test(self) -> tuple[str, ...]:
        return tuple(p.category_code for p in self.per_class if p.test == 0)

    def to_json(self) -> dict[str, Any]:
        """The content of ``splits/cross_subject.json``."""
        return {
            "protocol": "cross_subject",
            "config": dict(self.config),
            "train": {
                "subject_ids": [_json_id(s) for s in self.train_subject_ids],
                "clip_ids": list(self.train_clip_ids),
            },
            "test": {
                "subject_ids": [_json_id(s) for s in self.test_subject_ids],
                "clip_ids": list(self.test_clip_ids),
            },
            "excluded": {
                "subject_ids": [_json_id(s) for s in self.excluded_subject_ids],
                "clip_ids": list(self.excluded_clip_ids),
            },
            "per_class": [
                {"category_code": _json_id(p.category_code), "train": p.train, "test": p.test}
                for p in self.per_class
            ],
            "absent_from_train": [_json_id(c) for c in self.absent_from_train],
            "absent_from_test": [_json_id(c) for c in self.absent_from_test],
        }


def _clip_sort_key(clip_id: str) -> tuple:
    video, _, k = clip_id.rpartition("_")
    return (id_sort_key(video), id_sort_key(k), clip_id)


def _build_cross_subject(
    clips: Sequence[Mapping[str, Any]],
    train: Iterable[Any],
    test: Iterable[Any],
    config: Mapping[str, Any],
    categories: Iterable[Any] = (),
) -> CrossSubjectSplit:
    train_s, test_s = set(_sorted_ids(train)), set(_sorted_ids(test))
    both = train_s & test_s
    if both:
        raise ValueError(f"subjects in both train and test: {', '.join(_sorted_ids(both))}")
    counts: dict[str, list[int]] = {str(c): [0, 0] for c in categories}
    parts: dict[str, list[str]] = {"train": [], "test": [], "none": []}
    excluded_subjects = set()
    for clip in clips:
        subject, code = str(clip["subject_id"]), str(clip["category_code"])
        side = "train" if subject in train_s else "test" if subject in test_s else "none"
        parts[side].append(str(clip["clip_id"]))
        if side == "none":
            excluded_subjects.add(subject)
            continue
        counts.setdefault(code, [0, 0])[side == "test"] += 1
    for name, ids in parts.items():
        if len(set(ids)) != len(ids):
            dup = sorted(k for k, n in Counter(ids).items() if n > 1)[:5]
            raise ValueError(f"duplicate clip ids in {name}: {', '.join(dup)}")
    per_class = tuple(
        ClassPresence(code, n[0], n[1])
        for code, n in sorted(counts.items(), key=lambda kv: id_sort_key(kv[0]))
    )
    return CrossSubjectSplit(
        train_subject_ids=_sorted_ids(train_s),
        test_subject_ids=_sorted_ids(test_s),
        train_clip_ids=tuple(sorted(parts["train"], key=_clip_sort_key)),
        test_clip_ids=tuple(sorted(parts["test"], key=_clip_sort_key)),
        per_class=per_class,
        config=dict(config),
        excluded_clip_ids=tuple(sorted(parts["none"], key=_clip_sort_key)),
        excluded_subject_ids=_sorted_ids(excluded_subjects),
    )


def cross_subject_from_lists(
    clips: Sequence[Mapping[str, Any]],
    train_subject_ids: Iterable[Any],
    test_subject_ids: Iterable[Any],
    categories: Iterable[Any] = (),
    source: str = "given",
) -> CrossSubjectSplit:
    """Split ``clips`` (rows with ``clip_id``, ``subject_id``, ``category_code``) by subject.

    ``categories`` (e.g. every taxonomy code) makes classes with no clip at all show up in the
    per-class report too. Clips of subjects in neither list go to ``excluded_*``. Raises
    ``ValueError`` if a subject is in both lists.
    """
    train, test = _sorted_ids(train_subject_ids), _sorted_ids(test_subject_ids)
    config = {
        "method": "given",
        "source": source,
        "train_subject_ids": [_json_id(s) for s in train],
        "test_subject_ids": [_json_id(s) for s in test],
    }
    return _build_cross_subject(clips, train, test, config, categories)


def _imbalance(
    test_counts: Sequence[float],
    targets: Sequence[float],
    totals: Sequence[float],
    test_total: float,
    target_total: float,
    total: float,
) -> float:
    """χ²-like distance of a test side from ``fraction`` of every class and of all clips."""
    per_class = sum(
        (t - g) ** 2 / n for t, g, n in zip(test_counts, targets, totals, strict=True) if n
    )
    return per_class + (test_total - target_total) ** 2 / max(total, 1.0)


def generate_cross_subject(
    clips: Sequence[Mapping[str, Any]],
    test_fraction: float = DEFAULT_TEST_FRACTION,
    seed: int = 0,
    categories: Iterable[Any] = (),
    max_passes: int = 50,
) -> CrossSubjectSplit:
    """A subject-disjoint split whose test side holds about ``test_fraction`` of every class.

    Deterministic for a given ``seed`` and clip table (row order does not matter):

    1. subjects are shuffled with ``random.Random(seed)`` (after sorting their ids), then
       stably sorted by clip count, largest first;
    2. greedy: each subject goes to the side that leaves the smaller imbalance — the χ²-like
       sum over classes of ``(test_c − f·N_c)² / N_c`` plus the same term for all clips, where
       N counts the subjects placed so far;
    3. local search on the full table: move one subject, or swap a train and a test subject,
       whenever that lowers the imbalance, until nothing does (or ``max_passes``).

    Both sides get at least one subject when there are two or more.
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    codes = sorted(
        {str(c["category_code"]) for c in clips} | {str(c) for c in categories}, key=id_sort_key
    )
    index = {c: i for i, c in enumerate(codes)}
    per_subject: dict[str, list[int]] = defaultdict(lambda: [0] * len(codes))
    for clip in clips:
        per_subject[str(clip["subject_id"])][index[str(clip["category_code"])]] += 1
    subjects = list(_sorted_ids(per_subject))
    random.Random(seed).shuffle(subjects)
    subjects.sort(key=lambda s: -sum(per_subject[s]))

    f = test_fraction
    n_cls = len(codes)
    # Greedy placement against the subjects placed so far.
    placed = [0] * n_cls
    test = [0] * n_cls
    in_test: dict[str, bool] = {}
    for s in subjects:
        row = per_subject[s]
        placed = [p + r for p, r in zip(placed, row, strict=True)]
        targets = [f * p for p in placed]
        tot = float(sum(placed))
        as_test = [t + r for t, r in zip(test, row, strict=True)]
        cost_test = _imbalance(as_test, targets, placed, sum(as_test), f * tot, tot)
        cost_train = _imbalance(test, targets, placed, sum(test), f * tot, tot)
        in_test[s] = cost_test < cost_train
        if in_test[s]:
            test = as_test

    totals = [float(p) for p in placed]
    targets = [f * n for n in totals]
    total = float(sum(totals))

    def cost(counts: Sequence[float]) -> float:
        return _imbalance(counts, targets, totals, sum(counts), f * total, total)

    current = cost(test)
    for _ in range(max_passes):
        best: tuple[float, tuple[str, ...]] | None = None
        for s in subjects:  # single moves
            sign = -1 if in_test[s] else 1
            cand = [t + sign * r for t, r in zip(test, per_subject[s], strict=True)]
            c = cost(cand)
            if c < current - 1e-12 and (best is None or c < best[0] - 1e-12):
                best = (c, (s,))
        train_s = [s for s in subjects if not in_test[s]]
        test_s = [s for s in subjects if in_test[s]]
        for a in train_s:  # swaps
            ra = per_subject[a]
            for b in test_s:
                rb = per_subject[b]
                cand = [t + x - y for t, x, y in zip(test, ra, rb, strict=True)]
                c = cost(cand)
                if c < current - 1e-12 and (best is None or c < best[0] - 1e-12):
                    best = (c, (a, b))
        if best is None:
            break
        current = best[0]
        for s in best[1]:
            sign = -1 if in_test[s] else 1
            test = [t + sign * r for t, r in zip(test, per_subject[s], strict=True)]
            in_test[s] = not in_test[s]

    if len(subjects) >= 2:  # never leave a side empty
        if not any(in_test.values()):
            in_test[min(subjects, key=lambda s: sum(per_subject[s]))] = True
        elif all(in_test.values()):
            in_test[max(subjects, key=lambda s: sum(per_subject[s]))] = False
    config = {
        "method": "generated",
        "algorithm": "greedy+local-search/1",
        "test_fraction": test_fraction,
        "seed": seed,
    }
    return _build_cross_subject(
        clips,
        [s for s in subjects if not in_test[s]],
        [s for s in subjects if in_test[s]],
        config,
        categories,
    )


# --- emotion ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class EmotionSplit:
    train_video_ids: tuple[str, ...]
    test_video_ids: tuple[str, ...]
    #: side → emotion → number of videos
    counts: Mapping[str, Mapping[str, int]]
    config: Mapping[str, Any]
    unknown_video_ids: tuple[str, ...] = ()  # listed but not among the videos given
    unused_video_ids: tuple[str, ...] = field(default=())  # known videos in neither side

    @property
    def balanced(self) -> bool:
        return all(c["positive"] == c["negative"] for c in self.counts.values())

    def to_json(self) -> dict[str, Any]:
        """The content of ``splits/emotion.json``."""
        return {
            "protocol": "emotion",
            "config": dict(self.config),
            "balanced": self.balanced,
            "train": {
                "video_ids": [_json_id(v) for v in self.train_video_ids],
                **dict(self.counts["train"]),
            },
            "test": {
                "video_ids": [_json_id(v) for v in self.test_video_ids],
                **dict(self.counts["test"]),
            },
            "unused_video_ids": [_json_id(v) for v in self.unused_video_ids],
        }


def _emotion_of(video: Mapping[str, Any]) -> str:
    emotion = str(video.get("emotion", "")).strip().lower()
    if emotion in ("win", "lose"):
        emotion = "positive" if emotion == "win" else "negative"
    if emotion not in EMOTIONS:
        raise ValueError(
            f"video {video.get('video_id')!r}: emotion {emotion!r} is not "
            "positive/negative (win/lose)"
        )
    return emotion


def _build_emotion(
    videos: Sequence[Mapping[str, Any]],
    train: Iterable[Any],
    test: Iterable[Any],
    config: Mapping[str, Any],
) -> EmotionSplit:
    emotion = {str(v["video_id"]): _emotion_of(v) for v in videos}
    train_v, test_v = _sorted_ids(train), _sorted_ids(test)
    both = set(train_v) & set(test_v)
    if both:
        raise ValueError(f"videos in both train and test: {', '.join(_sorted_ids(both))}")
    unknown = _sorted_ids(v for v in (*train_v, *test_v) if v not in emotion)
    counts = {
        side: {e: sum(1 for v in ids if emotion.get(v) == e) for e in EMOTIONS}
        for side, ids in (("train", train_v), ("test", test_v))
    }
    used = set(train_v) | set(test_v)
    return EmotionSplit(
        train_video_ids=tuple(v for v in train_v if v in emotion),
        test_video_ids=tuple(v for v in test_v if v in emotion),
        counts=counts,
        config=dict(config),
        unknown_video_ids=unknown,
        unused_video_ids=_sorted_ids(v for v in emotion if v not in used),
    )


def emotion_from_lists(
    videos: Sequence[Mapping[str, Any]],
    train_video_ids: Iterable[Any],
    test_video_ids: Iterable[Any],
    source: str = "given",
) -> EmotionSplit:
    """Videos (rows with ``video_id`` and ``emotion`` positive/negative or win/lose) by list.

    Listed ids that are not among ``videos`` are dropped and reported in ``unknown_video_ids``.
    """
    train, test = _sorted_ids(train_video_ids), _sorted_ids(test_video_ids)
    config = {
        "method": "given",
        "source": source,
        "train_video_ids": [_json_id(v) for v in train],
        "test_video_ids": [_json_id(v) for v in test],
    }
    return _build_emotion(videos, train, test, config)


def generate_emotion(
    videos: Sequence[Mapping[str, Any]],
    test_fraction: float = DEFAULT_EMOTION_TEST_FRACTION,
    seed: int = 0,
) -> EmotionSplit:
    """Balanced positive/negative on both sides, seeded.

    With m = min(#positive, #negative), each side gets the same number of each emotion:
    ``round(f·m)`` test and ``m − round(f·m)`` train videos per emotion, drawn from each
    emotion's videos (sorted ids, shuffled with ``random.Random(seed)``). The majority emotion's
    surplus is left out (``unused_video_ids``), so both sides stay balanced.
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    rng = random.Random(seed)
    by_emotion = {
        e: list(_sorted_ids(str(v["video_id"]) for v in videos if _emotion_of(v) == e))
        for e in EMOTIONS
    }
    m = min(len(ids) for ids in by_emotion.values())
    n_test = round(test_fraction * m)
    train: list[str] = []
    test: list[str] = []
    for e in EMOTIONS:
        ids = by_emotion[e]
        rng.shuffle(ids)
        test += ids[:n_test]
        train += ids[n_test:m]
    config = {
        "method": "generated",
        "algorithm": "balanced-shuffle/1",
        "test_fraction": test_fraction,
        "seed": seed,
    }
    return _build_emotion(videos, train, test, config)
