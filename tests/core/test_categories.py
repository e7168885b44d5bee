import pytest

from bench.data.categories import CATEGORIES, categories_from_description

E, M, H, F, HS, O, B, A, N = CATEGORIES


@pytest.mark.parametrize("text, want", [
    ("the left eye is larger than the right", (E,)),
    ("brown hair looks like a helmet", (H, A)),
    ("earrings melt into the neck", (HS, A)),
    ("eyeglasses frame is broken", (A,)),
    ("deformed ear", (F,)),
    ("blurry on the left half of the face", (B,)),
    ("strange skin on the face", (F,)),
    ("the jaw is lopsided", (F,)),
    ("sunken and dark eye", (E,)),
    ("image too dark", (B,)),
    ("bald patch on top", (H,)),
    ("capture looks fine", (N,)),
    ("blurred teeth and a seam across the forehead", (M, F, O, B)),
    ("back of the head is flattened and the hat floats above it", (HS, O, A)),
    ("no distortion", (N,)),
    ("", (N,)),
    (None, (N,)),
])
def test_description_rule(text, want):
    assert categories_from_description(text) == want


def test_result_is_in_category_order_and_never_empty():
    got = categories_from_description("grainy shirt collar, crossed eyes, swollen lips")
    assert got == (E, M, B, A)
