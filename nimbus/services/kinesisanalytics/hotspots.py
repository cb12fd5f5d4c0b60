"""HOTSPOTS: the dense regions of a sliding window of records, as Kinesis Analytics describes them.

Over the last ``windowSize`` records (their numeric columns as a point), a hotspot is a density-based
cluster in the manner of DBSCAN, with ``scanRadius`` as its distance: a point with at least
``minimumNumberOfPointsInAHotspot`` points (itself included) within the radius is a core point; core
points within the radius of each other belong to one hotspot, and so does every point within the radius
of one of its core points. Each record gets the hotspots of the window that ends with it.

Neighbour counts are kept as records enter and leave the window (one pass over the window each), and
core points are grouped through a grid of cells of side ``radius / sqrt(d)``: any two points of a cell
are within the radius, so only the points of neighbouring cells are ever compared.
"""
from __future__ import annotations

import itertools
import json
import math
from collections import deque

Point = tuple[float, ...]


class Hotspots:
    def __init__(self, window_size: int, radius: float, minimum_points: int):
        self.window: deque[Point] = deque()
        self.neighbours: deque[int] = deque()  # for each point of the window: points within the radius
        self.size, self.radius, self.minimum = window_size, radius, minimum_points

    def _near(self, a: Point, b: Point) -> bool:
        return sum((x - y) ** 2 for x, y in zip(a, b, strict=True)) <= self.radius ** 2

    def update(self, values: list[float]) -> str:
        """HOTSPOTS_RESULT for the window ending with this record."""
        point = tuple(values)
        if len(self.window) == self.size:
            gone = self.window.popleft()
            self.neighbours.popleft()
            self.neighbours = deque(n - self._near(gone, p) for p, n in zip(self.window, self.neighbours, strict=True))
        near = [self._near(point, p) for p in self.window]
        self.neighbours = deque(n + hit for n, hit in zip(self.neighbours, near, strict=True))
        self.window.append(point)
        self.neighbours.append(1 + sum(near))
        return json.dumps({"hotspots": self._hotspots()})

    def _cell(self, point: Point) -> tuple[int, ...]:
        side = self.radius / math.sqrt(len(point))
        return tuple(math.floor(x / side) for x in point)

    def _hotspots(self) -> list[dict]:
        points = list(self.window)
        core = [i for i, n in enumerate(self.neighbours) if n >= self.minimum]
        if not core:
            return []
        cells: dict[tuple[int, ...], list[int]] = {}
        for i in core:
            cells.setdefault(self._cell(points[i]), []).append(i)
        reach = math.ceil(math.sqrt(len(points[0])))  # cells this many apart may hold points within the radius
        owner = {cell: cell for cell in cells}  # union-find over cells of core points

        def find(cell: tuple[int, ...]) -> tuple[int, ...]:
            while owner[cell] != cell:
                owner[cell] = owner[owner[cell]]
                cell = owner[cell]
            return cell

        for cell, other in self._pairs(cells, reach):
            if find(cell) != find(other) and any(self._near(points[i], points[j])
                                                  for i in cells[cell] for j in cells[other]):
                owner[find(cell)] = find(other)
        members: dict[tuple[int, ...], list[int]] = {}
        for cell, indices in cells.items():
            members.setdefault(find(cell), []).extend(indices)
        core_set = set(core)
        for i, point in enumerate(points):  # border points join the hotspot of a core point near them
            if i in core_set or self.neighbours[i] < 2:
                continue
            home = self._cell(point)
            for cell in cells:
                if max(abs(a - b) for a, b in zip(cell, home, strict=True)) <= reach and \
                        any(self._near(point, points[j]) for j in cells[cell]):
                    members[find(cell)].append(i)
                    break
        return sorted((self._describe([points[i] for i in indices]) for indices in members.values()),
                      key=lambda h: -h["density"])

    def _pairs(self, cells: dict, reach: int):
        """Pairs of occupied cells that may hold points within the radius of each other."""
        dims = len(next(iter(cells)))
        if len(cells) ** 2 < (2 * reach + 1) ** dims:
            return ((a, b) for a, b in itertools.combinations(cells, 2)
                    if max(abs(x - y) for x, y in zip(a, b, strict=True)) <= reach)
        offsets = [o for o in itertools.product(range(-reach, reach + 1), repeat=dims) if o > (0,) * dims]
        return ((cell, other) for cell in cells for o in offsets
                if (other := tuple(c + d for c, d in zip(cell, o, strict=True))) in cells)

    def _describe(self, points: list[Point]) -> dict:
        low = [min(column) for column in zip(*points, strict=True)]
        high = [max(column) for column in zip(*points, strict=True)]
        # its size: the volume of its bounding box, no side narrower than the radius
        size = math.prod(max(h - v, self.radius) for h, v in zip(high, low, strict=True))
        return {"density": len(points) / size, "minValues": low, "maxValues": high}
