"""Property tests of the three-way merge that consolidation rests on."""

from hypothesis import given, settings, strategies as st

from consult.text.merge import edits, merge

WORDS = [f"w{n}" for n in range(60)]


@st.composite
def base_and_two_disjoint_changes(draw):
    """A text of distinct words, and two changes to different, non-adjacent parts of it."""
    length = draw(st.integers(min_value=6, max_value=40))
    words = WORDS[:length]
    cut = draw(st.integers(min_value=2, max_value=length - 3))
    i = draw(st.integers(min_value=0, max_value=cut - 2))
    j = draw(st.integers(min_value=cut + 1, max_value=length - 1))
    new_a = draw(st.lists(st.sampled_from(["alpha", "beta", "gamma"]), min_size=0, max_size=3))
    new_b = draw(st.lists(st.sampled_from(["delta", "epsilon", "zeta"]), min_size=1, max_size=3))
    a = words[:i] + new_a + words[i + 1:]
    b = words[:j] + new_b + words[j + 1:]
    return " ".join(words), " ".join(a), " ".join(b)


texts = st.text(alphabet=st.sampled_from("abc de\n.,é"), max_size=60)


@given(texts, texts)
def test_applying_the_patch_of_a_text_to_itself_is_the_identity(base, current):
    result = merge(base, base, current)
    assert result.clean and result.text == current


@given(texts, texts)
def test_edits_rebuild_the_other_text(base, other):
    from consult.text.merge import apply_edits

    assert apply_edits(base, edits(base, other)) == other


@settings(max_examples=200)
@given(base_and_two_disjoint_changes())
def test_non_overlapping_edits_commute(case):
    base, a, b = case
    a_then_b = merge(base, b, merge(base, a, base).text)
    b_then_a = merge(base, a, merge(base, b, base).text)
    assert a_then_b.clean and b_then_a.clean
    assert a_then_b.text == b_then_a.text
    assert "delta" in a_then_b.text or "epsilon" in a_then_b.text or "zeta" in a_then_b.text


@given(st.integers(min_value=0, max_value=9))
def test_a_collision_is_reported_never_resolved(index):
    words = WORDS[:10]
    base = " ".join(words)
    first = " ".join(words[:index] + ["first"] + words[index + 1:])
    second = " ".join(words[:index] + ["second"] + words[index + 1:])
    current = merge(base, first, base).text
    result = merge(base, second, current)
    assert not result.clean and result.conflicts
    assert result.text == current  # nothing applied


@given(base_and_two_disjoint_changes())
def test_nothing_is_applied_twice(case):
    base, a, _ = case
    once = merge(base, a, base)
    twice = merge(base, a, once.text)
    assert twice.already_applied and twice.text == once.text
