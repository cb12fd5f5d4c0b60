"""A random cut forest over a stream: Kinesis Analytics' ``RANDOM_CUT_FOREST`` and its explanation.

The published algorithm (Guha et al., "Robust Random Cut Forest Based Anomaly Detection on Streams",
ICML 2016), as AWS's own random-cut-forest library runs it:
- each tree keeps a sample of the stream's points, chosen by a time-decayed reservoir (a point seen at
  ``t`` weighs ``exp(t / timeDecay)``, so recent points are likelier to stay);
- a tree is built by random cuts: a dimension chosen with probability proportional to the bounding
  box's span along it, a value uniform along that span; inserting a point cuts it off where such a cut
  of the merged box would separate it, deleting one lifts its sibling into its parent's place;
- a new point is scored before it joins the sample: the depth at which it would be isolated, blended
  up the path with the probability that a random cut of each ancestor's box would separate it sooner
  (AWS's score functions: ``1/(depth+1)`` unseen, damped ``1/(depth+log2(mass+1))`` for a duplicate),
  normalised by ``log2(1 + sample size)`` and averaged over the trees. That is the expected
  displacement view of the paper: ordinary points score about 1, points far from the sample much more;
- the explanation splits the same score per dimension and per side (above or below the box), so the
  attribution scores of a record's columns add up to its anomaly score.
"""
from __future__ import annotations

import heapq
import math
import random
from collections import deque

Point = tuple[float, ...]


class Leaf:
    __slots__ = ("point", "mass", "parent")
    mass: int

    def __init__(self, point: Point):
        self.point = point
        self.mass = 1
        self.parent: Branch | None = None

    @property
    def lo(self) -> Point:
        return self.point

    @property
    def hi(self) -> Point:
        return self.point


class Branch:
    __slots__ = ("dim", "cut", "left", "right", "parent", "mass", "lo", "hi")
    mass: int

    def __init__(self, dim: int, cut: float, left: Node, right: Node, lo: list[float], hi: list[float]):
        self.dim, self.cut, self.left, self.right = dim, cut, left, right
        self.parent: Branch | None = None
        self.mass = left.mass + right.mass
        self.lo, self.hi = lo, hi
        left.parent = right.parent = self


Node = Leaf | Branch


class Tree:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.root: Node | None = None
        self.leaves: dict[int, Leaf] = {}  # a sampled point's key -> its leaf (duplicates share one)

    def _replace(self, old: Node, new: Node, parent: Branch | None) -> None:
        """``new`` takes ``old``'s place under ``parent``."""
        new.parent = parent
        if parent is None:
            self.root = new
        elif parent.left is old:
            parent.left = new
        else:
            parent.right = new

    def insert(self, key: int, point: Point) -> None:
        node = self.root
        if node is None:
            self.root = self.leaves[key] = Leaf(point)
            return
        while True:
            lo = [min(a, b) for a, b in zip(node.lo, point, strict=True)]
            hi = [max(a, b) for a, b in zip(node.hi, point, strict=True)]
            spans = [h - low for h, low in zip(hi, lo, strict=True)]
            total = sum(spans)
            if total == 0:  # the same point again: the leaf counts it twice
                assert isinstance(node, Leaf)
                self.leaves[key] = node
                self._add_mass(node, 1)
                return
            r = self.rng.random() * total
            dim = 0
            while dim < len(spans) - 1 and r >= spans[dim]:
                r -= spans[dim]
                dim += 1
            cut = lo[dim] + r
            if isinstance(node, Leaf) or cut < node.lo[dim] or cut >= node.hi[dim]:
                break  # this cut separates the point from everything under ``node``
            node = node.left if point[node.dim] <= node.cut else node.right
        leaf = Leaf(point)
        parent = node.parent
        left, right = (leaf, node) if point[dim] <= cut else (node, leaf)
        branch = Branch(dim, cut, left, right, lo, hi)
        self._replace(node, branch, parent)
        self.leaves[key] = leaf
        while parent is not None:
            parent.mass += 1
            parent.lo = [min(a, b) for a, b in zip(parent.lo, point, strict=True)]
            parent.hi = [max(a, b) for a, b in zip(parent.hi, point, strict=True)]
            parent = parent.parent

    def _add_mass(self, node: Node | None, delta: int) -> None:
        while node is not None:
            node.mass += delta
            node = node.parent

    def delete(self, key: int) -> None:
        leaf = self.leaves.pop(key)
        if leaf.mass > 1:
            self._add_mass(leaf, -1)
            return
        parent = leaf.parent
        if parent is None:
            self.root = None
            return
        sibling = parent.left if parent.right is leaf else parent.right
        self._replace(parent, sibling, parent.parent)
        node = sibling.parent
        while node is not None:
            node.mass -= 1
            node.lo = [min(a, b) for a, b in zip(node.left.lo, node.right.lo, strict=True)]
            node.hi = [max(a, b) for a, b in zip(node.left.hi, node.right.hi, strict=True)]
            node = node.parent

    def score(self, point: Point) -> tuple[float, list[float], list[float]]:
        """The point's anomaly score in this tree, and its split per dimension: (score, high, low)."""
        if self.root is None:
            return 0.0, [0.0] * len(point), [0.0] * len(point)
        path: list[Branch] = []
        node = self.root
        while isinstance(node, Branch):
            path.append(node)
            node = node.left if point[node.dim] <= node.cut else node.right
        dims, total_mass = len(point), self.root.mass
        if node.point == point:  # seen: inside every box on the path, the score stays the leaf's
            seen = (1 - node.mass / (2 * total_mass)) / (len(path) + math.log2(node.mass + 1))
            share = seen / (2 * dims)
            high, low = [share] * dims, [share] * dims
            return self._normalised(seen, high, low, total_mass)
        score = 1 / (len(path) + 1)
        high = [max(0.0, p - q) for p, q in zip(point, node.point, strict=True)]
        low = [max(0.0, q - p) for p, q in zip(point, node.point, strict=True)]
        gap = sum(high) + sum(low)
        high, low = [h * score / gap for h in high], [v * score / gap for v in low]
        for depth in range(len(path) - 1, -1, -1):
            box = path[depth]
            above = [max(0.0, p - h) for p, h in zip(point, box.hi, strict=True)]
            below = [max(0.0, low_ - p) for p, low_ in zip(point, box.lo, strict=True)]
            outside = sum(above) + sum(below)
            if outside == 0:  # inside this box, so inside every box above it too
                break
            merged = sum(h - low_ for h, low_ in zip(box.hi, box.lo, strict=True)) + outside
            cut_off, unseen = outside / merged, 1 / (depth + 1)
            score = cut_off * unseen + (1 - cut_off) * score
            high = [a / merged * unseen + (1 - cut_off) * h for a, h in zip(above, high, strict=True)]
            low = [b / merged * unseen + (1 - cut_off) * v for b, v in zip(below, low, strict=True)]
        return self._normalised(score, high, low, total_mass)

    @staticmethod
    def _normalised(score: float, high: list[float], low: list[float], mass: int
                    ) -> tuple[float, list[float], list[float]]:
        factor = math.log2(1 + mass)
        return score * factor, [h * factor for h in high], [v * factor for v in low]


class RandomCutForest:
    """Scores each point against the forest's samples, then offers it to every tree's sample."""

    def __init__(self, trees: int, sample_size: int, time_decay: int, shingle_size: int, seed: str):
        self.trees = [Tree(random.Random(f"{seed}/{i}")) for i in range(trees)]
        self.samples: list[list[tuple[float, int]]] = [[] for _ in range(trees)]  # max-heaps of (-priority, key)
        self.rng = random.Random(seed)
        self.sample_size, self.decay = sample_size, 1 / time_decay
        self.shingle: deque[list[float]] = deque(maxlen=shingle_size)
        self.seen = 0
        self.warm_up = max(1, sample_size // 4)  # no score until the samples hold this many points

    def update(self, values: list[float]) -> tuple[float, list[float], list[float]]:
        """The record's score and its (high, low) attribution per value, before it is learned."""
        self.shingle.append(values)
        zero = [0.0] * len(values)
        if len(self.shingle) < (self.shingle.maxlen or 1):
            return 0.0, zero, list(zero)
        point = tuple(v for record in self.shingle for v in record)
        self.seen += 1
        score, high, low = 0.0, [0.0] * len(point), [0.0] * len(point)
        if self.seen > self.warm_up:
            for tree in self.trees:
                s, h, v = tree.score(point)
                score += s
                high = [a + b for a, b in zip(high, h, strict=True)]
                low = [a + b for a, b in zip(low, v, strict=True)]
            n = len(self.trees)
            score, high, low = score / n, [h / n for h in high], [v / n for v in low]
        self._learn(point)
        width = len(values)  # a shingle's dimensions fold back onto the record's columns
        return (score, [sum(high[i::width]) for i in range(width)], [sum(low[i::width]) for i in range(width)])

    def _learn(self, point: Point) -> None:
        for tree, sample in zip(self.trees, self.samples, strict=True):
            # weighted reservoir (Efraimidis-Spirakis) in logs: keep the smallest priorities
            priority = math.log(-math.log(self.rng.random() or 1e-300)) - self.decay * self.seen
            if len(sample) < self.sample_size:
                heapq.heappush(sample, (-priority, self.seen))
            elif priority < -sample[0][0]:
                tree.delete(heapq.heapreplace(sample, (-priority, self.seen))[1])
            else:
                continue
            tree.insert(self.seen, point)
