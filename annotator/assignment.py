"""Blind double annotation: give every video to two distinct labelers, evenly.

Pure Python (no Django). Two invariants matter (iMiGUE had 5 labelers, two per clip, and
computes the reliability R per labeler pair):

* load: all labelers get the same number of videos, up to one (max - min <= 1);
* pairs: the C(L, 2) labeler pairs share videos as evenly as possible (max - min <= 1), so every
  pair has videos to compute R on once there are at least C(L, 2) videos.

Algorithm. The labelers' complete graph K_L is cut into *rounds* (each uses every pair once),
and a round is walked in an order whose every prefix keeps the loads within one:

* even L: the round-robin 1-factorisation, L-1 perfect matchings one after another;
* odd L: Walecki's (L-1)/2 Hamiltonian cycles, each walked every other edge
  (e0, e2, ..., e(L-1), e1, e3, ...), e.g. (0,1), (2,3), (4,0), (1,2), (3,4) for L=5.

From an empty state a batch of n videos takes the first n pairs of this endless sequence, so
both invariants hold after every single video. ``existing`` (the pairs of videos assigned
before, manual reassignments included) is balanced on:

1. if loads and pairs are still within one, the pairs shared once more than the others form the
   current round. If they are the canonical round's first r pairs (what an earlier batch leaves)
   the sequence just continues. Otherwise a bounded depth-first search picks the round's next
   pairs -- first one that keeps the loads within one after every video, else one that does so
   at the end of the batch -- and later rounds follow the canonical sequence;
2. otherwise, or when the searches give up (budget spent, or no such choice exists), a greedy
   step gives each video to the two least loaded labelers (ties: fewest shared videos, then
   labeler order) -- water-filling, so the load spread ends as small as it can be and never
   beyond max(previous spread, 1) -- and degree-preserving switches then even out the pairs.

Deterministic: the same input gives the same plan. Labelers are identified by their position
in ``labelers``; a pair in ``existing`` with someone not in ``labelers`` (who left) counts
towards the other member's load but not as a pair.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

__all__ = ["PairPlan", "canonical_round", "load_per_labeler", "plan_assignments", "videos_per_pair"]

#: Work budget of each depth-first search: SEARCH_BUDGET // L**2 visited nodes (6,000 for 10
#: labelers; a node costs about L**2). Counted in nodes, not seconds, so that the plan does not
#: depend on the machine's speed.
SEARCH_BUDGET = 600_000

Edge = tuple[int, int]  # labeler indices, smaller first
Choice = tuple[int, int]  # (u, v): pair u with v; (u, -1): leave u out (see the searches)


@dataclass(frozen=True)
class PairPlan:
    video: Hashable
    labelers: tuple[Hashable, Hashable]


def canonical_round(n_labelers: int) -> list[Edge]:
    """All C(L, 2) index pairs, in an order whose every prefix has loads within one."""
    n = n_labelers
    if n < 2:
        raise ValueError(f"need at least 2 labelers, got {n}")
    edges: list[Edge] = []
    if n % 2 == 0:  # round-robin: n-1 sits still, the others rotate
        ring = n - 1
        for r in range(ring):
            edges.append((r, n - 1))
            for j in range(1, n // 2):
                a, b = (r + j) % ring, (r - j) % ring
                edges.append((min(a, b), max(a, b)))
        return edges
    # Walecki: the zig-zag paths i, i+1, i-1, i+2, i-2, ..., i+m of the ring Z_2m, closed into
    # Hamiltonian cycles through the hub n-1.
    m, hub = (n - 1) // 2, n - 1
    for i in range(m):
        cycle = [i]
        for s in range(1, m):
            cycle += [(i + s) % (2 * m), (i - s) % (2 * m)]
        cycle += [(i + m) % (2 * m), hub]
        for j in [*range(0, n, 2), *range(1, n, 2)]:
            a, b = cycle[j], cycle[(j + 1) % n]
            edges.append((min(a, b), max(a, b)))
    return edges


def _spread(values: Iterable[int]) -> int:
    values = list(values)
    return max(values) - min(values) if values else 0


def _step_candidates(deg: list[int], edges: Iterable[Edge]) -> list[Edge]:
    """Edges that keep the load spread smallest: both ends at the lowest load, or, when one
    labeler alone has the lowest, that one with a labeler at the next lowest load."""
    low = min(deg)
    at_low = [v for v, d in enumerate(deg) if d == low]
    if len(at_low) >= 2:
        return [(a, b) for a, b in edges if deg[a] == low and deg[b] == low]
    only = at_low[0]
    second = min(d for v, d in enumerate(deg) if v != only)
    return [(a, b) for a, b in edges if only in (a, b) and deg[a + b - only] == second]


def _search(
    options: Callable[[], list[Choice]],
    apply: Callable[[Choice], bool | None],
    undo: Callable[[Choice], None],
    budget: int,
) -> bool:
    """Iterative depth-first search. ``apply`` returns True (solved), False (dead end: undo it)
    or None (go deeper). False when the tree is exhausted or ``budget`` nodes were visited."""
    stack = [iter(options())]
    taken: list[Choice] = []
    nodes = 0
    while stack:
        if len(taken) == len(stack):  # this frame's previous choice must be undone first
            undo(taken.pop())
        choice = next(stack[-1], None)
        if choice is None:
            stack.pop()
            continue
        nodes += 1
        if nodes > budget:
            return False
        taken.append(choice)
        status = apply(choice)
        if status:
            return True
        if status is None:
            stack.append(iter(options()))
    return False


def _edge(a: int, b: int) -> Edge:
    return (a, b) if a < b else (b, a)


def _adjacency(n: int, avail: list[Edge]) -> list[set[int]]:
    nbr: list[set[int]] = [set() for _ in range(n)]
    for a, b in avail:
        nbr[a].add(b)
        nbr[b].add(a)
    return nbr


def _extend_stepwise(
    deg: list[int], avail: list[Edge], need: int, budget: int
) -> list[Edge] | None:
    """``need`` distinct edges of ``avail`` keeping the loads within one after *every* edge.

    While several labelers share the lowest load they are matched among themselves; a lone
    lowest one takes a partner from the next level. Each node branches on the partner of one
    labeler (the one with the fewest possible partners) or, when the level has a spare, on
    leaving it out of the level's matching -- so no matching is tried in every order.
    """
    deg, n = list(deg), len(deg)
    nbr = _adjacency(n, avail)
    skipped_at = [-1] * n  # the load level at which a labeler was left out
    prev_skip: list[int] = []
    edges: list[Edge] = []

    def options() -> list[Choice]:
        low = min(deg)
        level = [v for v in range(n) if deg[v] == low]
        if len(level) == 1:
            (u,) = level
            second = min(d for v, d in enumerate(deg) if v != u)
            partners = sorted(
                (v for v in nbr[u] if deg[v] == second), key=lambda v: (len(nbr[v]), v)
            )
            return [(u, v) for v in partners]
        open_ = [v for v in level if skipped_at[v] != low]
        inner = {u: [v for v in nbr[u] if v in open_] for u in open_}
        spare = len(open_) > 2 * min(need - len(edges), len(open_) // 2)
        u = min(open_, key=lambda v: (len(inner[v]), v))
        partners = sorted(inner[u], key=lambda v: (len(inner[v]), v))
        return [(u, v) for v in partners] + ([(u, -1)] if spare else [])

    def apply(choice: Choice) -> bool | None:
        u, v = choice
        if v < 0:
            prev_skip.append(skipped_at[u])
            skipped_at[u] = deg[u]
            return None
        deg[u], deg[v] = deg[u] + 1, deg[v] + 1
        nbr[u].discard(v)
        nbr[v].discard(u)
        edges.append((min(u, v), max(u, v)))
        return True if len(edges) == need else None

    def undo(choice: Choice) -> None:
        u, v = choice
        if v < 0:
            skipped_at[u] = prev_skip.pop()
            return
        deg[u], deg[v] = deg[u] - 1, deg[v] - 1
        nbr[u].add(v)
        nbr[v].add(u)
        edges.pop()

    return edges if need == 0 or _search(options, apply, undo, budget) else None


def _extend_round(deg: list[int], avail: list[Edge], need: int, budget: int) -> list[Edge] | None:
    """``need`` distinct edges of ``avail`` after which the loads are within one.

    Final loads must be F or F+1 (F = total // L): labeler v needs between F - deg[v] and
    F + 1 - deg[v] more videos, a degree-bounded subgraph. Each node branches on the partners of
    one labeler (unmet need, fewest usable partners; or, once all needs are met, one that may
    take or decline a spare video), and a labeler picks its own partners in increasing order, so
    no edge set is tried twice.
    """
    n = len(deg)
    floor = (sum(deg) + 2 * need) // n
    if any(d > floor + 1 for d in deg):
        return None
    lo0 = [max(0, floor - d) for d in deg]
    hi0 = [floor + 1 - d for d in deg]
    got, declined, last = [0] * n, [False] * n, [-1] * n
    nbr = _adjacency(n, avail)
    prev_last: list[int] = []
    edges: list[Edge] = []

    def lo(v: int) -> int:
        return max(0, lo0[v] - got[v])

    def hi(v: int) -> int:
        return 0 if declined[v] else hi0[v] - got[v]

    def usable(u: int) -> list[int]:
        return [v for v in nbr[u] if hi(v) > 0]

    def options() -> list[Choice]:
        left = need - len(edges)
        if not sum(map(lo, range(n))) <= 2 * left <= sum(map(hi, range(n))):
            return []
        short = [v for v in range(n) if lo(v) > 0]
        if short:
            slack = {v: len(usable(v)) - lo(v) for v in short}
            if min(slack.values()) < 0:
                return []
            u, spare = min(short, key=lambda v: (slack[v], v)), False
        else:
            open_ = [v for v in range(n) if hi(v) > 0]
            u = min(open_, key=lambda v: (len(usable(v)), v))
            spare = len(open_) > 2 * left
        partners = sorted((v for v in usable(u) if v > last[u]), key=lambda v: (-lo(v), v))
        return [(u, v) for v in partners] + ([(u, -1)] if spare else [])

    def apply(choice: Choice) -> bool | None:
        u, v = choice
        if v < 0:
            declined[u] = True
            return None
        prev_last.append(last[u])
        last[u] = v
        got[u], got[v] = got[u] + 1, got[v] + 1
        nbr[u].discard(v)
        nbr[v].discard(u)
        edges.append((min(u, v), max(u, v)))
        if len(edges) < need:
            return None
        return not any(map(lo, range(n)))  # all placed: solved, or someone is still short

    def undo(choice: Choice) -> None:
        u, v = choice
        if v < 0:
            declined[u] = False
            return
        last[u] = prev_last.pop()
        got[u], got[v] = got[u] - 1, got[v] - 1
        nbr[u].add(v)
        nbr[v].add(u)
        edges.pop()

    if need == 0:
        return []
    return _order_round(deg, edges) if _search(options, apply, undo, budget) else None


def _order_round(deg: list[int], edges: list[Edge]) -> list[Edge]:
    """Order a fixed set of edges so that the loads stay as even as possible along the way."""
    deg, left, out = list(deg), list(edges), []
    while left:
        low, best, best_key = min(deg), 0, None
        for i, (a, b) in enumerate(left):
            key = (max(deg[a], deg[b]), deg[a] + deg[b])
            if best_key is None or key < best_key:
                best, best_key = i, key
                if key[0] == low:  # both ends at the lowest load: nothing is better
                    break
        a, b = edge = left.pop(best)
        deg[a], deg[b] = deg[a] + 1, deg[b] + 1
        out.append(edge)
    return out


def _greedy(k: int, deg: list[int], mult: Counter[Edge]) -> list[Edge]:
    """Water-filling: each video to the two least loaded labelers, fewest shared videos first;
    then degree-preserving switches even out the pairs."""
    deg, grown, out = list(deg), Counter(mult), []
    all_edges = list(combinations(range(len(deg)), 2))
    for _ in range(k):
        edge = min(_step_candidates(deg, all_edges), key=lambda e: (grown[e], e))
        deg[edge[0]] += 1
        deg[edge[1]] += 1
        grown[edge] += 1
        out.append(edge)
    return _polish_pairs(out, mult, len(deg))


def _polish_pairs(edges: list[Edge], mult: Counter[Edge], n: int) -> list[Edge]:
    """2-switches on the new edges -- (a,b) + (c,d) becomes (a,c) + (b,d) or (a,d) + (b,c) --
    while they lower the sum of squared pair counts. Loads do not change; the result is kept
    only if it does not widen the pair spread."""
    all_edges = list(combinations(range(n), 2))
    before = Counter({e: mult[e] for e in all_edges})
    before.update(edges)
    final = Counter(before)
    slots: dict[Edge, list[int]] = {}
    for i, e in enumerate(edges):
        slots.setdefault(e, []).append(i)
    out = list(edges)
    while True:
        move, floor = None, min(final.values())
        # A switch pays off when e1 + e2 exceed f1 + f2 by 3 or more: try the most shared first.
        used = sorted((e for e in all_edges if slots.get(e)), key=lambda e: (-final[e], e))
        for i, e1 in enumerate(used):
            for e2 in used[i + 1 :]:
                if final[e1] + final[e2] - 2 * floor < 3:
                    break
                (a, b), (c, d) = e1, e2
                if len({a, b, c, d}) == 4:
                    for f1, f2 in ((_edge(a, c), _edge(b, d)), (_edge(a, d), _edge(b, c))):
                        if final[e1] + final[e2] - final[f1] - final[f2] >= 3:
                            move = ((e1, f1), (e2, f2))
                            break
                if move:
                    break
            if move:
                break
        if move is None:
            break
        for old, new in move:
            slot = slots[old].pop()
            out[slot] = new
            slots.setdefault(new, []).append(slot)
            final[old] -= 1
            final[new] += 1
    return out if _spread(final.values()) <= _spread(before.values()) else list(edges)


def _choose_edges(k: int, deg: list[int], mult: Counter[Edge]) -> list[Edge]:
    n = len(deg)
    canon = canonical_round(n)
    counts = [mult[e] for e in canon]
    implied = [0] * n  # the loads the known pairs alone give
    for (a, b), c in zip(canon, counts, strict=True):
        implied[a] += c
        implied[b] += c
    # Rounds only apply when the loads come from the pairs (no videos of departed labelers).
    if deg == implied and _spread(deg) <= 1 and _spread(counts) <= 1:
        base = min(counts)
        used = [e for e, c in zip(canon, counts, strict=True) if c > base]  # the current round
        head: list[Edge] | None = canon[len(used) :]
        if used and set(used) != set(canon[: len(used)]):
            rest = [e for e, c in zip(canon, counts, strict=True) if c == base]
            need, budget = min(k, len(rest)), max(200, SEARCH_BUDGET // (n * n))
            head = _extend_stepwise(deg, rest, need, budget)
            if head is None:
                head = _extend_round(deg, rest, need, budget)
            if head is None and k >= len(rest):
                head = _order_round(deg, rest)  # completing the round balances it anyway
        if head is not None:
            out = head[:k]
            while len(out) < k:
                out += canon[: k - len(out)]
            return out
    return _greedy(k, deg, mult)


def _pair_members(pair: Any) -> tuple[Hashable, Hashable]:
    members = pair.labelers if isinstance(pair, PairPlan) else pair
    try:
        a, b = members
    except (TypeError, ValueError):
        raise ValueError(f"expected a pair of labelers, got {pair!r}") from None
    return a, b


def plan_assignments(
    videos: Sequence[Hashable],
    labelers: Sequence[Hashable],
    existing: Iterable[tuple[Hashable, Hashable]] = (),
) -> list[PairPlan]:
    """Assign each video (in order) to two distinct labelers; see the module docstring.

    ``existing``: the labeler pairs (tuples or :class:`PairPlan`) of videos assigned before, so
    that a later batch balances on top of earlier ones and of manual reassignments.
    """
    labelers = list(labelers)
    if len(labelers) < 2:
        raise ValueError(f"blind double annotation needs at least 2 labelers, got {len(labelers)}")
    index: dict[Hashable, int] = {}
    for i, lab in enumerate(labelers):
        if lab in index:
            raise ValueError(f"labeler {lab!r} is listed twice")
        index[lab] = i
    videos = list(videos)
    if len(set(videos)) != len(videos):
        dup = next(v for i, v in enumerate(videos) if v in videos[:i])
        raise ValueError(f"video {dup!r} is listed twice; each video is assigned once")

    deg = [0] * len(labelers)
    mult: Counter[Edge] = Counter()
    for pair in existing:
        a, b = _pair_members(pair)
        if a == b:
            raise ValueError(f"existing pair {pair!r} names the same labeler twice")
        ia, ib = index.get(a), index.get(b)
        for i in (ia, ib):
            if i is not None:
                deg[i] += 1
        if ia is not None and ib is not None:
            mult[(min(ia, ib), max(ia, ib))] += 1

    edges = _choose_edges(len(videos), deg, mult)
    return [
        PairPlan(video, (labelers[a], labelers[b]))
        for video, (a, b) in zip(videos, edges, strict=True)
    ]


def load_per_labeler(
    pairs: Iterable[PairPlan | tuple[Hashable, Hashable]],
    labelers: Sequence[Hashable] | None = None,
) -> dict[Hashable, int]:
    """Videos per labeler. With ``labelers``, each of them appears (0 if idle), in that order."""
    load: dict[Hashable, int] = dict.fromkeys(labelers, 0) if labelers is not None else {}
    for pair in pairs:
        for lab in _pair_members(pair):
            load[lab] = load.get(lab, 0) + 1
    return load


def videos_per_pair(
    pairs: Iterable[PairPlan | tuple[Hashable, Hashable]],
    labelers: Sequence[Hashable] | None = None,
) -> dict[tuple[Hashable, Hashable], int]:
    """Videos shared per labeler pair. With ``labelers`` all C(L, 2) pairs appear (0 if they
    share nothing), oriented and ordered by the labelers' positions; without, a pair is keyed
    sorted when its members are comparable, otherwise as first seen."""
    counts: dict[tuple[Hashable, Hashable], int] = {}
    if labelers is not None:
        counts = {(a, b): 0 for a, b in combinations(labelers, 2)}
    for pair in pairs:
        a, b = _pair_members(pair)
        if (a, b) not in counts and (b, a) in counts:
            a, b = b, a
        elif (a, b) not in counts:
            try:
                a, b = (a, b) if a <= b else (b, a)  # type: ignore[operator]
            except TypeError:
                pass
        counts[(a, b)] = counts.get((a, b), 0) + 1
    return counts
