"""Agreement between two labellings: Cohen's kappa against statsmodels, and the shipped
second labelling read against the corpus."""

from __future__ import annotations

import random

import pytest
from statsmodels.stats.inter_rater import cohens_kappa

from sowhat.lint.agreement import FLAGS, agreement, load_second_labels
from sowhat.lint.dataset import load_public


def _table(pairs: list[tuple[bool, bool]]) -> list[list[int]]:
    return [
        [sum(a and b for a, b in pairs), sum(a and not b for a, b in pairs)],
        [sum(b and not a for a, b in pairs), sum(not a and not b for a, b in pairs)],
    ]


@pytest.mark.parametrize("seed", range(25))
def test_kappa_matches_statsmodels_on_random_tables(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randrange(5, 400)
    p_first, flip = rng.random(), rng.random() * 0.6
    pairs = []
    for _ in range(n):
        a = rng.random() < p_first
        pairs.append((a, (not a) if rng.random() < flip else a))
    if len({a for a, _ in pairs}) == 1 and len({b for _, b in pairs}) == 1:
        pytest.skip("one answer everywhere: kappa undefined")
    got = agreement(pairs)
    want = cohens_kappa(_table(pairs))
    assert got.kappa == pytest.approx(want.kappa, abs=1e-12)
    table = _table(pairs)
    assert got.observed == pytest.approx((table[0][0] + table[1][1]) / n, abs=1e-12)


def test_hand_checked_case() -> None:
    # 20 items: both yes 8, first only 2, second only 4, neither 6.
    pairs = [(True, True)] * 8 + [(True, False)] * 2 + [(False, True)] * 4 + [(False, False)] * 6
    got = agreement(pairs)
    # observed 14/20; chance (10*12 + 10*8)/400 = 0.5; kappa (0.7-0.5)/0.5 = 0.4
    assert got.observed == pytest.approx(0.7)
    assert got.kappa == pytest.approx(0.4)
    assert got.positive == pytest.approx(16 / 22)


def test_one_answer_everywhere_has_no_kappa_and_empty_input_is_an_error() -> None:
    assert agreement([(False, False)] * 5).kappa is None
    assert agreement([(False, False)] * 5).positive is None
    with pytest.raises(ValueError, match="at least one"):
        agreement([])


def test_shipped_second_labels_match_the_corpus_and_keep_its_text() -> None:
    corpus = load_public()
    pairs = load_second_labels(corpus)
    assert len(pairs) == 400
    assert len({first.id for first, _ in pairs}) == 400
    for first, second in pairs:
        assert (second.id, second.text, second.source) == (first.id, first.text, first.source)
        assert second.kind in ("outcome", "output")
    # the two labellings are genuinely separate: they differ on some KRs, not on most
    differ = sum(first.kind != second.kind for first, second in pairs)
    assert 0 < differ < 200
    assert any(getattr(f, flag) != getattr(s, flag) for f, s in pairs for flag in FLAGS)


def test_a_second_label_for_an_unknown_id_or_kind_names_the_line() -> None:
    corpus = load_public()
    header = "id,kind," + ",".join(FLAGS) + ",dropped,note\n"
    with pytest.raises(ValueError, match="line 2: no corpus KR has id 'zz'"):
        load_second_labels(corpus, header + "zz,outcome,0,0,0,0,0,0,\n")
    with pytest.raises(ValueError, match="line 2: kind 'result'"):
        load_second_labels(corpus, header + f"{corpus[0].id},result,0,0,0,0,0,0,\n")
