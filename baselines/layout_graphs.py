"""Every stored layout's joint names and edges, for a release's ``skeleton.json``
(docs/design.md §9, §10): what a reader needs to draw or use a pose file without our code.

Edges are 0-based pairs within the layout. Bodies follow each model's own drawing: COCO's 19
limbs, OpenPose BODY_25's 24 pairs, BlazePose's 35 connections (MediaPipe ``POSE_CONNECTIONS``).
Hands have the 21-point order wrist, then four points per finger from thumb to pinky; OpenPose
and COCO-WholeBody draw each finger from the wrist, MediaPipe joins the knuckles across the palm
(``HAND_CONNECTIONS``); a hand's wrist point is also joined to the body's wrist. Faces: the 68
landmarks' contours (jaw, brows, nose, eyes, lips) for OpenPose and COCO-WholeBody (OpenPose adds
two pupils, without edges); for MediaPipe's 468-point mesh, the contours of its ``FACEMESH_*``
sets (face oval, eyes, brows, lips), not the full tessellation.
"""

from __future__ import annotations

__all__ = ["EDGES", "JOINTS", "layout_graph"]

Edges = list[tuple[int, int]]


def _pairs(text: str) -> Edges:
    return [tuple(int(x) for x in pair.split("-")) for pair in text.split()]


def _shift(edges: Edges, offset: int) -> Edges:
    return [(a + offset, b + offset) for a, b in edges]


def _chain(*points: int, closed: bool = False) -> Edges:
    edges = list(zip(points, points[1:], strict=False))
    return edges + [(points[-1], points[0])] if closed else edges


_FINGERS = ("Thumb", "Index", "Middle", "Ring", "Pinky")
_HAND_PARTS = ("Wrist", *(f"{f}{i}" for f in _FINGERS for i in range(1, 5)))
# Each finger from the wrist (OpenPose, COCO-WholeBody).
_HAND_FAN = [e for f in range(5) for e in _chain(0, 4 * f + 1, 4 * f + 2, 4 * f + 3, 4 * f + 4)]
# MediaPipe's HAND_CONNECTIONS.
_HAND_PALM = _pairs(
    "0-1 0-5 0-17 1-2 2-3 3-4 5-6 5-9 6-7 7-8 9-10 9-13 10-11 11-12 13-14 13-17 14-15 15-16 "
    "17-18 18-19 19-20"
)
# The 68 face landmarks (iBUG 300-W order): jaw, brows, nose bridge and base, eyes, lips.
_FACE68 = (
    _chain(*range(17))
    + _chain(*range(17, 22))
    + _chain(*range(22, 27))
    + _chain(*range(27, 31))
    + _chain(*range(31, 36))
    + _chain(*range(36, 42), closed=True)
    + _chain(*range(42, 48), closed=True)
    + _chain(*range(48, 60), closed=True)
    + _chain(*range(60, 68), closed=True)
)


def _hand_names(side: str) -> list[str]:
    return [f"{side}Hand{part}" for part in _HAND_PARTS]


# --- COCO-17 and COCO-WholeBody-133 ---------------------------------------------------------

_COCO17_JOINTS = [
    "nose",
    *(f"{s}_{p}" for p in ("eye", "ear") for s in ("left", "right")),
    *(
        f"{s}_{p}"
        for p in ("shoulder", "elbow", "wrist", "hip", "knee", "ankle")
        for s in ("left", "right")
    ),
]
_COCO17_EDGES = _pairs(
    "15-13 13-11 16-14 14-12 11-12 5-11 6-12 5-6 5-7 6-8 7-9 8-10 1-2 0-1 0-2 1-3 2-4 3-5 4-6"
)
_WHOLEBODY_JOINTS = (
    _COCO17_JOINTS
    + [f"{s}_{p}" for s in ("left", "right") for p in ("big_toe", "small_toe", "heel")]
    + [f"face_{i}" for i in range(68)]
    + _hand_names("Left")
    + _hand_names("Right")
)
_WHOLEBODY_EDGES = (
    _COCO17_EDGES
    + _pairs("15-17 15-18 15-19 16-20 16-21 16-22")
    + _shift(_FACE68, 23)
    + _shift(_HAND_FAN, 91)
    + _shift(_HAND_FAN, 112)
    + [(9, 91), (10, 112)]
)

# --- OpenPose-137 (BODY_25, 70 face points, two hands) -------------------------------------

_BODY25_JOINTS = (
    "Nose Neck RShoulder RElbow RWrist LShoulder LElbow LWrist MidHip RHip RKnee RAnkle LHip "
    "LKnee LAnkle REye LEye REar LEar LBigToe LSmallToe LHeel RBigToe RSmallToe RHeel"
).split()
_BODY25_EDGES = _pairs(
    "1-8 1-2 1-5 2-3 3-4 5-6 6-7 8-9 9-10 10-11 8-12 12-13 13-14 1-0 0-15 15-17 0-16 16-18 "
    "14-19 19-20 14-21 11-22 22-23 11-24"
)
_OPENPOSE_JOINTS = (
    _BODY25_JOINTS
    + [f"Face{i}" for i in range(68)]
    + ["FaceRPupil", "FaceLPupil"]
    + _hand_names("Left")
    + _hand_names("Right")
)
_OPENPOSE_EDGES = (
    _BODY25_EDGES
    + _shift(_FACE68, 25)
    + _shift(_HAND_FAN, 95)
    + _shift(_HAND_FAN, 116)
    + [(7, 95), (4, 116)]
)

# --- MediaPipe Holistic (BlazePose-33, two hands, 468-point face mesh) ----------------------

_BLAZEPOSE_JOINTS = [
    "nose",
    *(f"left_eye{p}" for p in ("_inner", "", "_outer")),
    *(f"right_eye{p}" for p in ("_inner", "", "_outer")),
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    *(
        f"{s}_{p}"
        for p in (
            "shoulder",
            "elbow",
            "wrist",
            "pinky",
            "index",
            "thumb",
            "hip",
            "knee",
            "ankle",
            "heel",
            "foot_index",
        )
        for s in ("left", "right")
    ),
]
_BLAZEPOSE_EDGES = _pairs(
    "0-1 0-4 1-2 2-3 3-7 4-5 5-6 6-8 9-10 11-12 11-13 11-23 12-14 12-24 13-15 14-16 15-17 "
    "15-19 15-21 16-18 16-20 16-22 17-19 18-20 23-24 23-25 24-26 25-27 26-28 27-29 27-31 "
    "28-30 28-32 29-31 30-32"
)
# MediaPipe's FACEMESH_FACE_OVAL, _LEFT_EYE, _LEFT_EYEBROW, _RIGHT_EYE, _RIGHT_EYEBROW, _LIPS.
_FACEMESH_CONTOURS = _pairs(
    "10-338 21-54 54-103 58-132 67-109 93-234 103-67 109-10 127-162 132-93 136-172 148-176 "
    "149-150 150-136 152-148 162-21 172-58 176-149 234-127 251-389 284-251 288-397 297-332 "
    "323-361 332-284 338-297 356-454 361-288 365-379 377-152 378-400 379-378 389-356 397-365 "
    "400-377 454-323 "
    "249-390 263-249 263-466 373-374 374-380 380-381 381-382 382-362 384-398 385-384 386-385 "
    "387-386 388-387 390-373 398-362 466-388 "
    "276-283 282-295 283-282 293-334 295-285 296-336 300-293 334-296 "
    "7-163 33-7 33-246 144-145 145-153 153-154 154-155 155-133 157-173 158-157 159-158 "
    "160-159 161-160 163-144 173-133 246-161 "
    "46-53 52-65 53-52 63-105 65-55 66-107 70-63 105-66 "
    "0-267 13-312 14-317 17-314 37-0 39-37 40-39 61-146 61-185 78-95 78-191 80-81 81-82 82-13 "
    "84-17 87-14 88-178 91-181 95-88 146-91 178-87 181-84 185-40 191-80 267-269 269-270 "
    "270-409 310-415 311-310 312-311 314-405 317-402 318-324 321-375 324-308 375-291 402-318 "
    "405-321 409-291 415-308"
)
_MEDIAPIPE_JOINTS = (
    _BLAZEPOSE_JOINTS
    + _hand_names("Left")
    + _hand_names("Right")
    + [f"face_{i}" for i in range(468)]
)
_MEDIAPIPE_EDGES = (
    _BLAZEPOSE_EDGES
    + _shift(_HAND_PALM, 33)
    + _shift(_HAND_PALM, 54)
    + [(15, 33), (16, 54)]
    + _shift(_FACEMESH_CONTOURS, 75)
)

JOINTS: dict[str, list[str]] = {
    "coco17": _COCO17_JOINTS,
    "coco_wholebody133": _WHOLEBODY_JOINTS,
    "openpose137": _OPENPOSE_JOINTS,
    "mediapipe543": _MEDIAPIPE_JOINTS,
}
EDGES: dict[str, Edges] = {
    "coco17": _COCO17_EDGES,
    "coco_wholebody133": _WHOLEBODY_EDGES,
    "openpose137": _OPENPOSE_EDGES,
    "mediapipe543": _MEDIAPIPE_EDGES,
}


def layout_graph(name: str) -> dict:
    """``{"joints": [...], "edges": [[i, j], ...]}`` of a stored layout ({} if unknown)."""
    if name not in JOINTS:
        return {}
    return {"joints": list(JOINTS[name]), "edges": [list(e) for e in EDGES[name]]}
