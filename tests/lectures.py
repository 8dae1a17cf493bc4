"""The lectures' worked examples, shared by the tests of the engine, the tracer and the drawings."""


def add_multiply(x, y, z):
    q = (x + y).named("q")
    return q * z


def logistic(w0, x0, w1, x1, b):
    return 1 / (1 + (-(w0 * x0 + w1 * x1 + b)).exp())


LOGISTIC_POINT = dict(w0=2.0, x0=-1.0, w1=-3.0, x1=-2.0, b=-3.0)
