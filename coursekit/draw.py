"""Drawing a traced graph as SVG, as the lectures do: values above each wire, gradients below.

    >>> from coursekit import trace
    >>> from coursekit.draw import draw
    >>> g = trace(lambda x, y, z: (x + y).named("q") * z, x=-2.0, y=5.0, z=-4.0).backward()
    >>> picture = draw(g, upto=1)  # Jupyter shows it; str(picture) is the SVG text

Left to right: each input's name at the left end of its wire, one circle per operation (a pill
for a long label like `leaky_relu`), and the output leaving on a final wire to the right. A wire
carries its forward value above it and, after the backward pass, its gradient below it. A value
used twice splits at a dot: up to the dot the wire shows the total gradient, and each branch
shows, next to the operation it feeds, the share flowing back along it. `draw(g, upto=k)` stops
the backward pass after k steps, highlights the node of step k and writes its "upstream × local
= downstream" underneath.

The layout is computed here in plain Python (no Graphviz, no matplotlib) so a drawing appears on
Binder or a fresh laptop without installing any program, and the same graph gives the same bytes
every run. It is the classic layered layout, kept small: columns by longest path from the inputs,
a lane for each wire that skips a column, order within a column by the barycentre of the inputs,
and heights as close to that barycentre as the labels' room allows.

Every drawing sits on its own white rounded rectangle, so it reads the same in JupyterLab's light
and dark themes. The default colours are colour-blind safe (Okabe–Ito blue for values, vermillion
darkened to 4.5:1 contrast for gradients); gradients are also italic and always below their wire,
so colour is never the only cue.
"""

from __future__ import annotations

import base64
import math
import re
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from .trace import Graph, Node, Step, format_number

__all__ = ["SVG", "draw", "PALETTES"]

PALETTES = {
    "colour-blind": {"value": "#0072B2", "gradient": "#B84F00"},
    "lecture": {"value": "#1A7F37", "gradient": "#C62828"},
}
INK, WIRE, PAPER, HIGHLIGHT = "#222222", "#666666", "#FFFFFF", "#FFE9A0"
FONT = "Helvetica, Arial, sans-serif"

LABEL_SIZE, NAME_SIZE, NOTE_SIZE = 12, 14, 11  # numbers on wires; names and ops; legend, caption
CHAR_WIDTH = 0.6  # estimated width of one character, in font sizes
RADIUS = 20  # of an operation's circle: room for a three-letter label like `exp`
PAD = 6  # free space on each side of a label
WIRE_ROOM = 36  # the shortest labelled stretch of wire after a column
CLEAR = 3  # between a wire and its labels
PORT_SPACING = 20  # between the wires entering one operation: room for a label between them
ROW_GAP = 6  # extra space between neighbours in a column
MARGIN = 16
ARROW = 8
INDENT = 16  # of the caption's chain-rule sentences under their step
LEGEND = "value above · gradient below"
SCALE = 1.4  # screen pixels per drawing unit: labels of 12 units read like the notebook's text
MINUS = "\u2212"  # a true minus sign, as the explorers' sliders write it
_HYPHEN_BEFORE_NUMBER = re.compile(r"-(?=[\d.]|inf)")

_AUTOMATIC_NAME = re.compile(r"t\d+")


def svg_picture(svg: str, description: str) -> dict[str, str]:
    """An SVG drawing as an HTML image: {"text/html": an <img> holding it as a data URL}.

    JupyterLab draws an output's image/svg+xml only in a notebook the reader trusts, and a
    notebook downloaded or opened for the first time is not trusted; it does draw an <img> in
    HTML output, however the notebook came.
    """
    source = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return {"text/html": f"<img src={quoteattr(source)} alt={quoteattr(description)}/>"}


class SVG:
    """A drawing as SVG text: Jupyter shows it as a picture, `.svg` or str() gives the text.

    Its output holds the SVG itself, for viewers that draw it, and the same picture as an HTML
    image, which JupyterLab shows even in a notebook it does not trust (one not yet run here).
    """

    def __init__(self, svg: str, description: str = "a computational graph") -> None:
        self.svg = svg
        self.description = description

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict:
        return {"image/svg+xml": self.svg, **svg_picture(self.svg, self.description)}

    def __str__(self) -> str:
        return self.svg

    def __repr__(self) -> str:
        return f"<SVG drawing, {len(self.svg)} characters>"


def draw(g: Graph, upto: int | None = None, palette: str = "colour-blind",
         canvas: tuple[float, float] | None = None) -> SVG:
    """The graph as a picture: forward values above the wires, gradients (if any) below.

    upto=k shows the backward pass after its first k steps (0 shows only the output's gradient 1),
    with the node of step k highlighted and its chain-rule sentences written underneath.
    palette is "colour-blind" (blue values, vermillion gradients) or "lecture" (green and red).
    canvas=(width, height), in drawing units, fixes the picture's size whatever its numbers, so an
    explorer redrawing one graph at other values does not move what lies around it: a drawing
    that needs more room is shrunk into it.
    """
    if not isinstance(g, Graph):
        raise TypeError(
            f"draw needs a traced graph, got a {type(g).__name__}; "
            "make one with g = trace(f, x=..., y=...)"
        )
    if palette not in PALETTES:
        raise ValueError(f"draw: palette {palette!r} is unknown; choose one of {list(PALETTES)}")
    steps = g.steps() if g.has_gradients else []
    if upto is not None:
        if not g.has_gradients:
            raise ValueError(
                f"draw(g, upto={upto}) shows the backward pass part-way, but it has not run yet: "
                "call g.backward() first"
            )
        if not 0 <= upto <= len(steps):
            raise ValueError(
                f"draw: upto={upto} is out of range; this backward pass has {len(steps)} steps, "
                f"so upto goes from 0 (only the output's gradient) to {len(steps)}"
            )
    layout = _Layout(g, steps, upto)
    return SVG(_render(g, layout, PALETTES[palette], steps, upto, canvas),
               f"the computational graph of {g.name}({', '.join(g.inputs)})")


# ----- what is written where: labels and their sizes


def _width(text: str, size: float) -> float:
    return CHAR_WIDTH * size * len(text)


def _height(size: float) -> float:
    """A line of text, from above its capitals to below its descenders."""
    return 1.15 * size


def _baseline_above(y: float) -> float:
    """Baseline of a label whose box ends CLEAR above the wire at height y."""
    return y - CLEAR - 0.25 * LABEL_SIZE


def _baseline_below(y: float) -> float:
    """Baseline of a label whose box starts CLEAR below the wire at height y."""
    return y + CLEAR + 0.9 * LABEL_SIZE


def _value_label(g: Graph, node: Node) -> str:
    """The number above a node's wire, named like the lectures' `q = 3` when the user named it."""
    value = format_number(node.value)
    named = node.kind == "op" and node is not g.output and not _AUTOMATIC_NAME.fullmatch(node.name)
    return f"{node.name} = {value}" if named else value


@dataclass(eq=False)
class _Slot:
    """One place in a column: a node, or a lane where a wire to a later column passes through."""

    node: Node | None
    layer: int
    preds: list[_Slot] = field(default_factory=list)  # where its wires come from, a column left
    key: float = 0.0
    y: float = 0.0
    above: float = 4.0  # room it needs above and below y
    below: float = 4.0


@dataclass(eq=False)
class _Edge:
    """One input of one operation: source → target, entering at the target's port `slot`."""

    source: Node
    target: Node
    slot: int
    lanes: list[_Slot]
    gradient: str = ""  # what flows back along it once its step is done ("" before backward)
    shown: bool = False  # whether its step is among the steps drawn
    branch: bool = False  # its source splits, so the edge carries its own gradient label


class _Layout:
    """Columns, heights and widths of everything in the drawing."""

    def __init__(self, g: Graph, steps: list[Step], upto: int | None) -> None:
        self.g = g
        shown = len(steps) if upto is None else upto
        self.highlight = steps[upto - 1].node if upto else None
        layer = _layers(g)
        self.slot = {node: _Slot(node, layer[node]) for node in g.nodes}
        self.users: dict[Node, list[_Edge]] = {node: [] for node in g.nodes}
        self.incoming: dict[Node, list[_Edge]] = {node: [] for node in g.nodes}
        self.columns: list[list[_Slot]] = [[] for _ in range(max(layer.values()) + 1)]
        for node in g.nodes:
            self.columns[layer[node]].append(self.slot[node])
        step_of = {step.node: (index, step) for index, step in enumerate(steps)}
        for target in g.nodes:
            index, step = step_of.get(target, (len(steps), None))
            for i, source in enumerate(target.inputs):
                lanes = [_Slot(None, m) for m in range(layer[source] + 1, layer[target])]
                for lane in lanes:
                    self.columns[lane.layer].append(lane)
                edge = _Edge(source, target, i, lanes, shown=index < shown)
                if step is not None:
                    edge.gradient = format_number(step.contributions[i].downstream)
                self.users[source].append(edge)
                self.incoming[target].append(edge)
                chain = [self.slot[source], *lanes, self.slot[target]]
                for before, after in zip(chain, chain[1:]):
                    after.preds.append(before)
        self.edges = [edge for node in g.nodes for edge in self.incoming[node]]
        for edge in self.edges:
            edge.branch = len(self.users[edge.source]) > 1
        self.value = {node: _value_label(g, node) for node in g.nodes}
        # Room is kept for every gradient, shown or not, so stepping through moves nothing.
        self.gradient = {
            node: format_number(node.grad) if g.has_gradients else "" for node in g.nodes
        }
        # A wire's total is known once every operation using it has sent its share back.
        self.gradient_shown = {
            node: g.has_gradients
            and (node is g.output or all(edge.shown for edge in self.users[node]))
            for node in g.nodes
        }
        self.shape = {node: _shape(node) for node in g.nodes if node.kind == "op"}
        self._order()
        self._heights()
        self._widths()

    # ----- vertical: order in each column, then heights

    def _anchor(self, constant: Node) -> list[_Slot]:
        """The other inputs of the nearest operation using a constant: it goes next to them."""
        if not self.users[constant]:
            return []
        nearest = min(self.users[constant], key=lambda edge: self.slot[edge.target].layer)
        return [p for p in self.slot[nearest.target].preds
                if p.node is None or p.node.kind != "constant"]

    def _order(self) -> None:
        for column in self.columns:
            constants = []
            for index, slot in enumerate(column):
                if slot.node is not None and slot.node.kind == "constant":
                    constants.append(slot)
                elif slot.preds:
                    slot.key = sum(p.key for p in slot.preds) / len(slot.preds)
                else:
                    slot.key = index  # an input: the order given
            for slot in constants:
                anchor = self._anchor(slot.node)
                slot.key = (sum(p.key for p in anchor) / len(anchor) + 1e-3 if anchor
                            else len(column))
            column.sort(key=lambda s: s.key)  # stable: ties keep the graph's order
            for position, slot in enumerate(column):
                slot.key = position

    def _heights(self) -> None:
        label = CLEAR + _height(LABEL_SIZE)
        self.port: dict[_Edge, float] = {}  # height of each edge's entry, from its target's centre
        for column in self.columns:
            for slot in column:
                if slot.node is not None and slot.node.kind == "op":
                    self._place_ports(slot, label)
                elif slot.node is not None:
                    slot.above = slot.below = label
            wish = {s: sum(p.y for p in s.preds) / len(s.preds) for s in column if s.preds}
            for slot in column:
                if slot.node is not None and slot.node.kind == "constant":
                    anchor = [wish[p] for p in self._anchor(slot.node) if p in wish]
                    wish[slot] = sum(anchor) / len(anchor) if anchor else None
            gaps = [a.below + b.above + ROW_GAP for a, b in zip(column, column[1:])]
            for slot, y in zip(column, _spread([wish.get(s) for s in column], gaps)):
                slot.y = y
        everything = [s for column in self.columns for s in column]
        top = min(s.y - s.above for s in everything)
        for slot in everything:
            slot.y -= top
        self.height = max(s.y + s.below for s in everything)

    # ----- horizontal: zones of each column, then positions

    def _widths(self) -> None:
        count = len(self.columns)
        self.reach = [0.0] * count  # half-width of the widest operation in each column
        self.labels = [float(WIRE_ROOM)] * count  # room for labels on wires leaving each column
        self.leads = [2.0 * PAD] * count  # room left of each column: names, branch labels
        self.bends = [8.0] * count  # room for wires to change height after each column
        for node, slot in self.slot.items():
            column = slot.layer
            texts = (self.value[node], self.gradient[node])
            widest = max(_width(text, LABEL_SIZE) for text in texts)
            self.labels[column] = max(self.labels[column], widest + 2 * PAD)
            if node.kind == "op":
                self.reach[column] = max(self.reach[column], self.shape[node][0])
            else:
                name = _width(node.name, NAME_SIZE) + CLEAR + PAD
                self.leads[column] = max(self.leads[column], name)
        for edge in self.edges:
            if edge.branch:
                column = self.slot[edge.target].layer
                room = _width(edge.gradient, LABEL_SIZE) + 2 * PAD
                self.leads[column] = max(self.leads[column], room)
            for before, _, y in self.hops(edge):
                rise = abs(y - before.y)
                if rise > 0.05:  # a gentle S-curve: wider the further it climbs
                    bend = min(100.0, max(24.0, 0.45 * rise))
                    self.bends[before.layer] = max(self.bends[before.layer], bend)
        self.x = [MARGIN + self.leads[0] + self.reach[0]]
        for column in range(1, count):
            self.x.append(self.zone_end(column - 1) + self.bends[column - 1]
                          + self.leads[column] + self.reach[column])
        end = self.zone_end(self.slot[self.g.output].layer) + ARROW
        name = CLEAR + _width(self.g.output.name, NAME_SIZE) if self.g.output.kind == "op" else 0
        self.width = end + name

    def _place_ports(self, slot: _Slot, label: float) -> None:
        """Inputs enter top to bottom in the order their wires arrive, so they never cross here."""
        edges = sorted(self.incoming[slot.node],
                       key=lambda e: ((e.lanes[-1] if e.lanes else self.slot[e.source]).y, e.slot))
        for edge, offset in zip(edges, _ports(len(edges))):
            self.port[edge] = offset
        _, tall = self.shape[slot.node]
        branches = [self.port[e] + label for e in edges if e.branch]
        slot.above = max(label, tall)
        slot.below = max(label, tall, *branches)

    def hops(self, edge: _Edge) -> list[tuple[_Slot, _Slot, float]]:
        """Each column-to-column piece of an edge: from slot, to slot, height it arrives at."""
        chain = [self.slot[edge.source], *edge.lanes, self.slot[edge.target]]
        port = self.slot[edge.target].y + self.port[edge]
        heights = [s.y for s in chain[1:-1]] + [port]
        return list(zip(chain, chain[1:], heights))

    def zone_end(self, column: int) -> float:
        """Where the labels after a column end: wires split (or bend) here."""
        return self.x[column] + self.reach[column] + self.labels[column]

    def lead_start(self, column: int) -> float:
        """Where wires entering a column become straight."""
        return self.x[column] - self.reach[column] - self.leads[column]

    def port_out(self, node: Node) -> float:
        """Where a node's outgoing wire starts: right of its circle, or at the end of its name."""
        if node.kind == "op":
            return self.x[self.slot[node].layer] + self.shape[node][0]
        column = self.slot[node].layer
        return self.x[column] - self.reach[column]


def _layers(g: Graph) -> dict[Node, int]:
    """Columns by longest path from the inputs; a constant sits one column before its user."""
    layer: dict[Node, int] = {}
    for node in g.nodes:
        if node.kind == "op":
            layer[node] = 1 + max(
                (layer[p] for p in node.inputs if p.kind != "constant"), default=0
            )
        elif node.kind == "input":
            layer[node] = 0
    for node in reversed(g.nodes):
        if node.kind == "constant":
            users = [layer[user] for user in g.nodes if node in user.inputs]
            layer[node] = min(users, default=1) - 1
    return layer


def _shape(node: Node) -> tuple[float, float]:
    """Half-width and half-height of an operation: a circle, or a pill for a long label."""
    half = _width(node.op, NAME_SIZE) / 2 + 7  # wide letters like m need more than the estimate
    tall = max(RADIUS, (len(node.inputs) - 1) * PORT_SPACING / 2 + 5)
    if half <= tall:
        return tall, tall
    return half, tall


def _ports(count: int) -> list[float]:
    """Heights, relative to the centre, where the wires of an operation's inputs arrive."""
    return [(i - (count - 1) / 2) * PORT_SPACING for i in range(count)]


def _spread(desired: list[float | None], gaps: list[float]) -> list[float]:
    """Heights in order, each its gap below the one before, as close to desired as they can be.

    Least squares under order constraints, solved by pooling adjacent violators: once each wish
    is shifted up by the room the slots above it need, the shifted heights need only be
    non-decreasing. A slot without a wish (None) just follows its neighbours.
    """
    known = [d for d in desired if d is not None]
    fill = known[0] if known else 0.0
    offsets, blocks = [0.0], []  # blocks: [weight, weighted sum of shifted wishes, count]
    for gap in gaps:
        offsets.append(offsets[-1] + gap)
    for wish, offset in zip(desired, offsets):
        weight = 1.0 if wish is not None else 1e-6
        fill = fill if wish is None else wish
        block = [weight, weight * (fill - offset), 1]
        while blocks and blocks[-1][1] / blocks[-1][0] > block[1] / block[0]:
            weight, total, count = blocks.pop()
            block = [block[0] + weight, block[1] + total, block[2] + count]
        blocks.append(block)
    heights = [total / weight for weight, total, count in blocks for _ in range(count)]
    return [h + offset for h, offset in zip(heights, offsets)]


# ----- writing the SVG


def _n(v: float) -> str:
    """A coordinate with one decimal, without trailing zeros or a minus zero."""
    text = f"{v:.1f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def with_minus_signs(text: str) -> str:
    """The text with each hyphen that starts a number (-4.9, 1e-05, -inf) written as a minus."""
    return _HYPHEN_BEFORE_NUMBER.sub(MINUS, text)


def _text(x: float, y: float, content: str, extra: str = "") -> str:
    return f'<text x="{_n(x)}" y="{_n(y)}"{extra}>{escape(with_minus_signs(content))}</text>'


def _render(g: Graph, layout: _Layout, colours: dict, steps: list[Step], upto: int | None,
            canvas: tuple[float, float] | None) -> str:
    """The SVG text: wires, splits, operations, names, values, gradients, legend, caption."""
    top = MARGIN + _height(NOTE_SIZE) + 2 * PAD  # the legend's line above the graph
    wires, marks, shapes, names, values, gradients = [], [], [], [], [], []
    x, slot = layout.x, layout.slot

    def point(px: float, py: float) -> str:
        return f"{_n(px)},{_n(py + top)}"

    def bend(x1: float, y1: float, x2: float, y2: float) -> str:
        if abs(y1 - y2) < 0.05:
            return f"H{_n(x2)}"
        middle = (x1 + x2) / 2
        return f"C{point(middle, y1)} {point(middle, y2)} {point(x2, y2)}"

    for node in g.nodes:
        here = slot[node]
        column, y = here.layer, here.y
        label_x = x[column] + layout.reach[column] + layout.labels[column] / 2
        values.append(_text(label_x, top + _baseline_above(y), layout.value[node]))
        if layout.gradient_shown[node]:
            gradients.append(_text(label_x, top + _baseline_below(y), layout.gradient[node]))
        users = layout.users[node]
        if len(users) != 1:  # a wire of its own: up to a split, to the arrow, or unused
            end = layout.zone_end(column)
            wires.append(f'<path d="M{point(layout.port_out(node), y)} H{_n(end)}"/>')
            if users:
                marks.append(f'<circle cx="{_n(end)}" cy="{_n(y + top)}" r="3"/>')
        if node.kind == "op":
            shapes.append(_node_shape(layout, node, y + top))
        else:
            style = ' font-style="normal"' if node.kind == "constant" else ""
            names.append(_text(x[column] - layout.reach[column] - CLEAR,
                               top + y + 0.35 * NAME_SIZE, node.name,
                               f' text-anchor="end"{style}'))
    output = slot[g.output]
    end = layout.zone_end(output.layer)
    marks.append(f'<path d="M{point(end, output.y - 4)} L{point(end + ARROW, output.y)} '
                 f'L{point(end, output.y + 4)} Z"/>')
    if g.output.kind == "op":
        names.append(_text(end + ARROW + CLEAR, top + output.y + 0.35 * NAME_SIZE,
                           g.output.name))

    for edge in layout.edges:
        source, target = slot[edge.source], slot[edge.target]
        if edge.branch:
            path = [f"M{point(layout.zone_end(source.layer), source.y)}"]
        else:
            path = [f"M{point(layout.port_out(edge.source), source.y)}",
                    f"H{_n(layout.zone_end(source.layer))}"]
        for before, after, y in layout.hops(edge):
            path.append(bend(layout.zone_end(before.layer), before.y,
                             layout.lead_start(after.layer), y))
            if after.node is None:
                path.append(f"H{_n(layout.zone_end(after.layer))}")
        offset = layout.port[edge]
        half, tall = layout.shape[edge.target]
        entry = x[target.layer] - half + tall - math.sqrt(tall * tall - offset * offset)
        path.append(f"H{_n(entry)}")
        wires.append(f'<path d="{" ".join(path)}"/>')
        if edge.branch and edge.shown and edge.gradient:
            lead_x = layout.lead_start(target.layer) + layout.leads[target.layer] / 2
            gradients.append(_text(lead_x, top + _baseline_below(target.y + offset),
                                   edge.gradient))

    caption = _caption(g, steps, upto)
    line = _height(NOTE_SIZE) + 3
    caption_top = top + layout.height + 2 * PAD
    bottom = caption_top + len(caption) * line if caption else top + layout.height
    width = max(layout.width, *(_width(t, NOTE_SIZE) + MARGIN + INDENT for t in [LEGEND, *caption]))
    width, height = width + MARGIN, bottom + MARGIN
    view_width, view_height = width, height
    if canvas is not None:  # the picture's size is the canvas's; the drawing keeps its shape
        width, height = canvas
        view_width, view_height = max(width, view_width), max(height, view_height)
    halo = f' stroke="{PAPER}" stroke-width="3" stroke-linejoin="round" paint-order="stroke"'
    value, gradient = colours["value"], colours["gradient"]
    legend = (f'<tspan fill="{value}">value</tspan> above · '
              f'<tspan fill="{gradient}" font-style="italic">gradient</tspan> below')
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(SCALE * width)}" '
        f'height="{_n(SCALE * height)}" viewBox="0 0 {_n(view_width)} {_n(view_height)}" '
        f'preserveAspectRatio="xMinYMin meet" font-family="{FONT}" '
        'style="max-width: 100%; height: auto">',  # shrinks to fit a narrow notebook column
        f"<title>computational graph of {escape(g.name)}</title>",
        f"<desc>{escape(g.text())}</desc>",
        f'<rect width="{_n(view_width)}" height="{_n(view_height)}" rx="8" fill="{PAPER}"/>',
        f'<g class="wires" fill="none" stroke="{WIRE}" stroke-width="1.5">', *wires, "</g>",
        f'<g class="marks" fill="{WIRE}">', *marks, "</g>",
        f'<g class="nodes" stroke="{INK}" font-size="{NAME_SIZE}" text-anchor="middle">',
        *shapes, "</g>",
        f'<g class="names" fill="{INK}" font-size="{NAME_SIZE}" font-style="italic">',
        *names, "</g>",
        f'<g class="values" fill="{value}" font-size="{LABEL_SIZE}" text-anchor="middle"{halo}>',
        *values, "</g>",
        f'<g class="gradients" fill="{gradient}" font-size="{LABEL_SIZE}" font-style="italic" '
        f'text-anchor="middle"{halo}>', *gradients, "</g>",
        f'<g class="legend" fill="{INK}" font-size="{NOTE_SIZE}">'
        f'<text x="{MARGIN}" y="{_n(MARGIN + 0.9 * NOTE_SIZE)}">{legend}</text></g>',
        f'<g class="caption" fill="{INK}" font-size="{NOTE_SIZE}">',
        *(_text(MARGIN + (INDENT if i else 0), caption_top + i * line + 0.9 * NOTE_SIZE, text)
          for i, text in enumerate(caption)),
        "</g>",
        "</svg>",
    ])


def _node_shape(layout: _Layout, node: Node, y: float) -> str:
    """An operation: its circle (or pill), its label, and a tooltip with its numbers."""
    half, tall = layout.shape[node]
    cx = layout.x[layout.slot[node].layer]
    step = node is layout.highlight
    look = f'fill="{HIGHLIGHT}" stroke-width="3"' if step else f'fill="{PAPER}" stroke-width="1.5"'
    if half == tall:
        outline = f'<circle cx="{_n(cx)}" cy="{_n(y)}" r="{_n(half)}" {look}/>'
    else:
        outline = (f'<rect x="{_n(cx - half)}" y="{_n(y - tall)}" width="{_n(2 * half)}" '
                   f'height="{_n(2 * tall)}" rx="{_n(tall)}" {look}/>')
    tip = f"{node.name} = {node.op}: value {format_number(node.value)}"
    if layout.gradient_shown[node]:
        tip += f", gradient {layout.gradient[node]}"
    tip = with_minus_signs(tip)
    return (f'<g class="{"node step" if step else "node"}"><title>{escape(tip)}</title>{outline}'
            f'<text x="{_n(cx)}" y="{_n(y + 0.35 * NAME_SIZE)}" fill="{INK}" stroke="none">'
            f"{escape(with_minus_signs(node.op))}</text></g>")


def _caption(g: Graph, steps: list[Step], upto: int | None) -> list[str]:
    """The lines under a part-way drawing: what step `upto` of the backward pass computed."""
    if upto is None:
        return []
    if upto == 0:
        name = g.output.name
        return [f"backward pass, step 0 of {len(steps)}: "
                f"the output {name} starts with gradient d{name}/d{name} = 1"]
    step = steps[upto - 1]
    header = str(step).splitlines()[0]
    return [f"backward pass, step {upto} of {len(steps)}: {header}", *step.sentences()]
