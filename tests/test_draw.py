"""Drawing traced graphs: the lectures' pictures, every label readable, nothing overlapping."""

import base64
import math
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from lectures import LOGISTIC_POINT, add_multiply, logistic

from coursekit import Value, numerical_gradient, trace
from coursekit.draw import PALETTES, SCALE, draw, with_minus_signs

SVG_NS = "{http://www.w3.org/2000/svg}"
CHAR_WIDTH = 0.6  # estimated width of a character, in font sizes


def branching(x, y):
    return x * x + (x * y).max(0.0) + x.tanh()


def chain(x):
    for i in range(100):
        x = (x * 0.9).tanh() if i % 2 else x + x.sigmoid()
    return x


def tree(**leaves):
    """A balanced sum of 64 products: 127 operations over 128 inputs."""
    names = list(leaves)
    level = [leaves[a] * leaves[b] for a, b in zip(names[::2], names[1::2])]
    while len(level) > 1:
        level = [a + b for a, b in zip(level[::2], level[1::2])]
    return level[0]


def ladder(**inputs):
    """A neuron's weighted sum, added up one term at a time: long wires skipping columns."""
    total = inputs["w0"] * inputs["x0"]
    for i in range(1, 40):
        total = total + inputs[f"w{i}"] * inputs[f"x{i}"]
    return total.tanh()


def tensor_layer(W, x, b):
    return ((W @ x + b).relu() ** 2).sum()


def lecture_1(backward=True):
    g = trace(add_multiply, x=-2.0, y=5.0, z=-4.0)
    return g.backward() if backward else g


def lecture_2(backward=True):
    g = trace(logistic, **LOGISTIC_POINT)
    return g.backward() if backward else g


def tensor_graph():
    return trace(tensor_layer, W=np.arange(12.0).reshape(3, 4) / 10, x=np.ones((4, 1)),
                 b=np.array([[0.5], [-2.0], [1.0]])).backward()


# ----- reading the SVG back


def parse(picture):
    return ET.fromstring(str(picture))


def group(root, name):
    (found,) = [g for g in root.iter(SVG_NS + "g") if g.get("class") == name]
    return found


def texts(root, name):
    return ["".join(t.itertext()) for t in group(root, name).iter(SVG_NS + "text")]


def numbers(root, name):
    return sorted(float(text.replace("−", "-")) for text in texts(root, name))


def text_boxes(root):
    """(left, top, right, bottom, text) of every label, from its font size, anchor and length."""
    boxes = []

    def visit(element, size, anchor):
        size = float(element.get("font-size", size))
        anchor = element.get("text-anchor", anchor)
        if element.tag == SVG_NS + "text":
            if element.get("stroke") == "none":  # an operation's label, inside its own circle
                return
            content = "".join(element.itertext())
            x, y = float(element.get("x")), float(element.get("y"))
            width = CHAR_WIDTH * size * len(content)
            left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
            boxes.append((left, y - 0.8 * size, left + width, y + 0.2 * size, content))
        for child in element:
            visit(child, size, anchor)

    visit(root, 16.0, "start")
    return boxes


def shapes(root):
    """(cx, cy, half-width, half-height) of every operation's circle or pill, in drawing order."""
    found = []
    for node in group(root, "nodes"):
        circle, rect = node.find(SVG_NS + "circle"), node.find(SVG_NS + "rect")
        if circle is not None:
            r = float(circle.get("r"))
            found.append((float(circle.get("cx")), float(circle.get("cy")), r, r))
        else:
            w, h = float(rect.get("width")), float(rect.get("height"))
            found.append((float(rect.get("x")) + w / 2, float(rect.get("y")) + h / 2,
                          w / 2, h / 2))
    return found


def overlaps(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def touches_shape(box, shape):
    """Whether a label box reaches into a node's circle (or pill: a rectangle with round ends)."""
    cx, cy, half, tall = shape
    core = half - tall  # a pill is a rectangle of this half-width with round ends
    nearest_x = min(max(cx, box[0]), box[2])
    nearest_y = min(max(cy, box[1]), box[3])
    dx = max(abs(nearest_x - cx) - core, 0)
    return math.hypot(dx, nearest_y - cy) < tall


def collisions(root):
    boxes, nodes = text_boxes(root), shapes(root)
    boxes.sort()
    found = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if b[0] >= a[2]:
                break
            if overlaps(a, b):
                found.append((a[4], b[4]))
        found += [(a[4], "a node") for shape in nodes if touches_shape(a, shape)]
    return found


def path_end(d):
    """The point where an SVG path made of M, H, L and C commands ends."""
    x = y = 0.0
    for command, args in re.findall(r"([MHLCZ])([^MHLCZ]*)", d):
        values = [float(v) for v in re.findall(r"-?[\d.]+", args)]
        if command == "H":
            x = values[-1]
        elif values:
            x, y = values[-2], values[-1]
    return x, y


# ----- the lectures' first example: f = (x + y)·z


def test_add_multiply_shows_the_lecture_values_with_q_named():
    root = parse(draw(lecture_1(backward=False)))
    assert sorted(texts(root, "values")) == sorted(["−2", "5", "−4", "q = 3", "−12"])
    assert texts(root, "names") == ["x", "y", "z", "f"]
    assert sorted(texts(root, "nodes")) == ["+", "×"]


def test_before_backward_there_are_no_gradients_and_no_error():
    root = parse(draw(lecture_1(backward=False)))
    assert texts(root, "gradients") == []


def test_add_multiply_gradients_match_central_differences():
    root = parse(draw(lecture_1()))

    def f(x, y, z):
        return (x + y) * z

    point = dict(x=-2.0, y=5.0, z=-4.0)
    expected = [1.0]  # the output's own gradient
    for name in point:
        expected.append(numerical_gradient(lambda t, name=name: f(**(point | {name: t})),
                                           point[name]))
    expected.append(numerical_gradient(lambda q: q * point["z"], 3.0))  # along the wire q
    assert numbers(root, "gradients") == pytest.approx(sorted(expected), abs=1e-6)


def node_centres(root):
    """(op label, cx, cy) of every operation, in the order drawn."""
    ops = [node.find(SVG_NS + "text").text for node in group(root, "nodes")]
    return [(op, cx, cy) for op, (cx, cy, _, _) in zip(ops, shapes(root))]


def test_lecture_layout_puts_the_add_between_x_and_y_and_z_on_the_multiply():
    root = parse(draw(lecture_1()))
    names = {t.text: float(t.get("y")) for t in group(root, "names").iter(SVG_NS + "text")}
    (_, add_x, add_y), (_, multiply_x, multiply_y) = node_centres(root)
    assert names["x"] < add_y < names["y"] < multiply_y < names["z"]
    assert add_x < multiply_x


# ----- the logistic graph


def test_logistic_graph_shows_the_lectures_gates_values_and_gradients():
    root = parse(draw(lecture_2()))
    assert sorted(texts(root, "nodes")) == sorted(["×", "×", "+", "+", "*−1", "exp", "+1", "1/x"])
    lecture_values = [2.00, -1.00, -3.00, -2.00, -3.00, -2.00, 6.00, 4.00, 1.00, -1.00, 0.37,
                      1.37, 0.73]
    lecture_gradients = [1.00, -0.53, -0.53, -0.20, 0.20, 0.20, 0.20, 0.20, 0.20, -0.20, 0.39,
                         -0.39, -0.59]
    assert numbers(root, "values") == pytest.approx(sorted(lecture_values), abs=0.006)
    assert numbers(root, "gradients") == pytest.approx(sorted(lecture_gradients), abs=0.006)
    for shown in ["−0.197", "0.393", "−0.393", "−0.59", "0.197", "−0.534", "0.368", "0.731"]:
        assert shown in texts(root, "gradients") + texts(root, "values")


def wire_gradients(root):
    """The gradient label under each input's wire, in the order of the names."""
    below = {}
    for name in group(root, "names").iter(SVG_NS + "text"):
        y = float(name.get("y"))
        labels = [(abs(float(t.get("y")) - y), t.text)
                  for t in group(root, "gradients").iter(SVG_NS + "text")
                  if 0 < float(t.get("y")) - y < 20]
        below[name.text] = min(labels)[1] if labels else None
    return list(below.values())


def test_logistic_input_gradients_match_central_differences():
    root = parse(draw(lecture_2()))
    drawn = dict(zip(texts(root, "names"), wire_gradients(root)))
    for name, point in LOGISTIC_POINT.items():
        numeric = numerical_gradient(
            lambda t, name=name: logistic(**(LOGISTIC_POINT | {name: Value(t)})).data, point)
        assert float(drawn[name].replace("−", "-")) == pytest.approx(numeric, abs=5e-3)


def test_logistic_chain_runs_in_one_straight_line_to_the_output():
    root = parse(draw(lecture_2()))
    centres = node_centres(root)
    assert [op for op, _, _ in centres[-4:]] == ["*−1", "exp", "+1", "1/x"]
    assert len({cy for _, _, cy in centres[-4:]}) == 1
    (arrow,) = group(root, "marks").iter(SVG_NS + "path")
    corners = [float(v) for v in re.findall(r"-?[\d.]+", arrow.get("d"))]
    tip = max(zip(corners[::2], corners[1::2]))
    assert tip[1] == centres[-1][2]
    xs = [cx for _, cx, _ in centres]
    assert xs == sorted(xs)  # operations drawn left to right in the order they ran


def test_values_sit_above_their_wire_and_gradients_below():
    root = parse(draw(lecture_2()))
    values = [(float(t.get("x")), float(t.get("y"))) for t in group(root, "values")]
    for label in group(root, "gradients"):
        x, y = float(label.get("x")), float(label.get("y"))
        assert any(vx == x and 0 < y - vy < 2 * 12 * 1.2 for vx, vy in values)


# ----- part-way through the backward pass


@pytest.mark.parametrize("upto", range(9))
def test_upto_shows_exactly_the_gradients_of_the_first_steps(upto):
    g = lecture_2()
    steps = g.steps()
    root = parse(draw(g, upto=upto))
    expected = ["1"] + [c.downstream for step in steps[:upto] for c in step.contributions]
    drawn = numbers(root, "gradients")
    assert drawn == pytest.approx(sorted(float(v) for v in expected), abs=5e-3)
    highlighted = [g_ for g_ in group(root, "nodes") if g_.get("class") == "node step"]
    if upto == 0:
        assert highlighted == []
        assert "step 0 of 8" in " ".join(texts(root, "caption"))
    else:
        (node,) = highlighted
        assert node.find(SVG_NS + "title").text.startswith(steps[upto - 1].node.name + " = ")
        assert float(node.find(SVG_NS + "circle").get("stroke-width")) > 1.5
        caption = texts(root, "caption")
        assert caption[0].endswith(with_minus_signs(str(steps[upto - 1]).splitlines()[0]))
        # upstream × local = downstream
        assert caption[1:] == [with_minus_signs(line) for line in steps[upto - 1].sentences()]


def test_a_full_drawing_highlights_nothing_and_has_no_caption():
    root = parse(draw(lecture_2()))
    assert all(g_.get("class") == "node" for g_ in group(root, "nodes"))
    assert texts(root, "caption") == []


def test_stepping_through_moves_nothing():
    g = lecture_2()

    def geometry(picture):
        root = parse(picture)
        drawn = [ET.tostring(group(root, name)) for name in ("wires", "marks", "values", "names")]
        return drawn + [shapes(root)]

    first = geometry(draw(g, upto=0))
    assert all(geometry(draw(g, upto=k)) == first for k in range(1, 9))
    assert geometry(draw(g)) == first


def test_upto_needs_the_backward_pass_and_a_step_that_exists():
    with pytest.raises(ValueError, match=r"g\.backward\(\)"):
        draw(lecture_1(backward=False), upto=1)
    with pytest.raises(ValueError, match="from 0 .* to 2"):
        draw(lecture_1(), upto=3)


# ----- branching: gradients add up where a value is used twice


def test_x_times_x_draws_two_edges_each_with_its_share():
    g = trace(lambda x: x * x, x=3.0).backward()
    root = parse(draw(g))
    ((cx, cy, r, _),) = shapes(root)
    ends = [path_end(p.get("d")) for p in group(root, "wires").iter(SVG_NS + "path")]
    entering = [(x, y) for x, y in ends if abs(math.hypot(x - cx, y - cy) - r) < 0.2]
    assert len(entering) == 2 and entering[0][1] != entering[1][1]
    numeric = numerical_gradient(lambda t: t * t, 3.0)
    assert numbers(root, "gradients") == pytest.approx(sorted([1.0, numeric / 2, numeric / 2,
                                                               numeric]), abs=1e-6)


def test_a_split_wire_shows_its_total_only_once_every_branch_has_sent_its_share():
    g = trace(branching, x=1.5, y=-2.0).backward()
    x_total = format(numerical_gradient(lambda t: branching(Value(t), Value(-2.0)).data, 1.5),
                     ".3g")
    steps = g.steps()
    last_use_of_x = max(i for i, s in enumerate(steps) if g.node("x") in s.node.inputs)
    before = texts(parse(draw(g, upto=last_use_of_x)), "gradients")
    after = texts(parse(draw(g, upto=last_use_of_x + 1)), "gradients")
    assert x_total not in before and x_total in after


def test_a_constant_sits_just_left_of_the_operation_using_it():
    root = parse(draw(trace(branching, x=1.5, y=-2.0).backward()))
    names = {t.text: (float(t.get("x")), float(t.get("y"))) for t in group(root, "names")}
    (_, max_x, max_y), = [c for c in node_centres(root) if c[0] == "max"]
    zero_x, zero_y = names["0"]
    assert names["x"][0] < zero_x < max_x and abs(zero_y - max_y) < 40
    between = {cx for _, cx, _ in node_centres(root) if zero_x < cx < max_x}
    assert len(between) <= 1  # at most the column just before the max gate


# ----- arrays


def test_a_tensor_graph_shows_large_arrays_by_shape():
    root = parse(draw(tensor_graph()))
    assert "array(3, 4)" in texts(root, "values")
    assert "array(3, 4)" in texts(root, "gradients")
    assert {"@", "+", "relu", "^2", "sum"} <= set(texts(root, "nodes"))


# ----- nothing overlaps


def numbered(prefix, count, start=1.0):
    return {f"{prefix}{i}": start + 0.01 * i for i in range(count)}


def interleaved(first, second):
    """w0, x0, w1, x1, ...: each weight next to its input."""
    return dict(item for items in zip(first.items(), second.items()) for item in items)


GRAPHS = {
    "add_multiply before backward": lambda: draw(lecture_1(backward=False)),
    "add_multiply": lambda: draw(lecture_1()),
    "add_multiply step 1": lambda: draw(lecture_1(), upto=1),
    "logistic": lambda: draw(lecture_2(), upto=3),
    "branching": lambda: draw(trace(branching, x=1.5, y=-2.0).backward()),
    "x*x": lambda: draw(trace(lambda x: x * x, x=3.0).backward()),
    "long names": lambda: draw(trace(
        lambda weight, x: (weight * x).named("pre_activation").leaky_relu().named("activation"),
        weight=-0.123456, x=7.0).backward(), upto=1),
    "tensor": lambda: draw(tensor_graph()),
    "chain of 200": lambda: draw(trace(chain, x=0.5).backward()),
    "tree of 127": lambda: draw(trace(tree, **numbered("v", 128)).backward()),
    "an identity": lambda: draw(trace(lambda x, unused: x, x=1.0, unused=2.0).backward()),
    "constants only": lambda: draw(trace(lambda x: Value(2.0) * Value(3.0) + x, x=1.0).backward()),
    "array constant": lambda: draw(trace(lambda x: (x * np.array([1.0, -1.0])).sum(),
                                         x=np.ones(2)).backward(), upto=1),
    "ladder of 80": lambda: draw(trace(ladder, **interleaved(numbered("w", 40, -0.2),
                                                         numbered("x", 40))).backward()),
}


@pytest.mark.parametrize("name", GRAPHS)
def test_no_label_overlaps_another_label_or_a_node(name):
    assert collisions(parse(GRAPHS[name]())) == []


def test_the_overlap_check_can_fail():
    root = parse(draw(lecture_1()))
    label = next(iter(group(root, "gradients")))
    label.set("y", str(float(label.get("y")) - 12))  # onto the value above it
    assert collisions(root)


# ----- the SVG itself


def test_svg_is_titled_sized_and_shown_by_jupyter():
    picture = draw(lecture_2())
    root = parse(picture)
    assert root.find(SVG_NS + "title").text == "computational graph of logistic"
    width, height = float(root.get("width")), float(root.get("height"))
    _, _, view_width, view_height = (float(v) for v in root.get("viewBox").split())
    assert (width, height) == pytest.approx((SCALE * view_width, SCALE * view_height), abs=0.1)
    assert width > 0 and height > 0
    assert picture._repr_mimebundle_()["image/svg+xml"] == str(picture) == picture.svg
    background = root.find(SVG_NS + "rect")
    assert background.get("fill") == "#FFFFFF"
    assert float(background.get("width")) == view_width


@pytest.mark.parametrize("shown", [lambda g: draw(g, upto=2), lambda g: g],
                         ids=["a drawing", "a traced graph"])
def test_a_drawing_is_also_an_html_image_that_an_untrusted_notebook_shows(shown):
    """JupyterLab draws image/svg+xml only in a trusted notebook; an <img> in HTML always."""
    graph = lecture_2()
    bundle = shown(graph)._repr_mimebundle_()
    image = ET.fromstring(bundle["text/html"])
    header, data = image.get("src").split(",")
    assert image.tag == "img" and header == "data:image/svg+xml;base64"
    assert base64.b64decode(data).decode("utf-8") == bundle["image/svg+xml"]
    assert image.get("alt") == "the computational graph of logistic(w0, x0, w1, x1, b)"


def test_the_same_graph_gives_the_same_bytes_with_tidy_coordinates():
    first = draw(lecture_2(), upto=4).svg
    assert draw(lecture_2(), upto=4).svg == first
    coordinates = re.findall(r'="(-?[\d.]+)"', first)
    assert coordinates and all(re.fullmatch(r"-?\d+(\.\d)?", c) for c in coordinates)
    assert "-0" not in [c for c in coordinates if float(c) == 0]


def test_palettes_differ_only_in_colours():
    g = lecture_2()
    colour_blind = draw(g, upto=3).svg
    lecture = draw(g, upto=3, palette="lecture").svg
    assert colour_blind != lecture
    for key in ("value", "gradient"):
        colour_blind = colour_blind.replace(PALETTES["colour-blind"][key], PALETTES["lecture"][key])
    assert colour_blind == lecture


def test_labels_are_escaped():
    g = trace(lambda **kw: (kw["a<b"] * kw["c&d"]).named("<q>").exp().named('"e"'),
              **{"a<b": 1.0, "c&d": 2.0}).backward()
    root = parse(draw(g))
    assert texts(root, "names") == ["a<b", "c&d", '"e"']
    assert "<q> = 2" in texts(root, "values")


def test_unknown_palette_and_wrong_argument_say_what_to_do():
    with pytest.raises(ValueError, match="colour-blind"):
        draw(lecture_1(), palette="neon")
    with pytest.raises(TypeError, match="trace"):
        draw(Value(1.0))


# ----- what a student sees on screen


def test_every_number_is_written_with_a_true_minus_sign_as_the_sliders_write_it():
    root = parse(draw(lecture_2(), upto=4))
    written = [*texts(root, "values"), *texts(root, "gradients"), *texts(root, "caption"),
               *texts(root, "nodes")]
    negative = [text for text in written if "−" in text]
    assert "−0.534" in written and "*−1" in texts(root, "nodes") and len(negative) > 5
    assert not [text for text in written if re.search(r"-[\d.]", text)]
    tips = [title.text for title in group(root, "nodes").iter(SVG_NS + "title")]
    assert not [tip for tip in tips if re.search(r"-[\d.]", tip)]


def test_minus_signs_replace_only_hyphens_that_start_a_number():
    assert with_minus_signs("x = -4.9, 1e-05, -inf, -.5") == "x = −4.9, 1e−05, −inf, −.5"
    assert with_minus_signs("leaky-relu - x") == "leaky-relu - x"


def test_drawings_are_larger_on_screen_than_their_drawing_units():
    root = parse(draw(lecture_1()))
    _, _, view_width, _ = (float(v) for v in root.get("viewBox").split())
    assert SCALE >= 1.3
    assert float(root.get("width")) == pytest.approx(SCALE * view_width, abs=0.1)
    assert float(root.get("width")) > 450  # the lectures' first graph, no longer a thumbnail
    assert "max-width: 100%" in root.get("style")  # and never wider than the notebook column


@pytest.mark.parametrize("point", [dict(x=-2.0, y=5.0, z=-4.0), dict(x=-2.25, y=-123.4, z=0.001)])
def test_a_fixed_canvas_gives_the_same_size_whatever_the_numbers(point):
    g = trace(add_multiply, **point).backward()
    root = parse(draw(g, canvas=(300.0, 150.0)))
    assert (float(root.get("width")), float(root.get("height"))) == pytest.approx(
        (SCALE * 300.0, SCALE * 150.0), abs=0.1)
    _, _, view_width, view_height = (float(v) for v in root.get("viewBox").split())
    assert view_width >= 300.0 and view_height >= 150.0  # a larger drawing is shrunk into it
    assert root.get("preserveAspectRatio") == "xMinYMin meet"
