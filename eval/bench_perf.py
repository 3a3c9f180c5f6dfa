"""Performance of youju against the naive pipeline a newcomer writes, in one run on this machine; writes
docs/performance.md (tables, a plot, machine and versions).

    python -m eval.bench_perf [--out docs/performance.md] [--clients 1,4,16,64] [--seconds 20] [--rounds 5]

What it measures, all in one run so that the figures compare. The machine's speed drifts by tens of percent
within minutes, so what is compared is measured in turn, in rounds, and a speed-up is the median of the rounds'
own ratios:

* **naive**: the shipped report cut into 500-character chunks, the same e5-small in sentence-transformers
  fp32, a FAISS flat index, searched in-process (encode, search, return the chunks);
* **youju in-process**: ``Searcher.search`` on an index of the shipped report built with the configured
  pipeline (encoder, reranker, answer decision, highlighting, citations), each question asked once;
* **youju over HTTP**: ``youju serve`` started as a subprocess (rate limit off), asked each gold question
  once by one client (these three one after the other in each of ``--rounds`` rounds), then by a load
  generator (``eval/loadgen.py``, a process of its own) of N keep-alive connections asking the gold questions
  for a fixed time: requests/s, p50, p95 and every status seen, for each N;
* **build throughput**: characters/s of a naive embedding loop (sentence-transformers ``encode`` of
  500-character chunks) against ``youju build`` of the same paragraphs (a fresh index: nothing reused), each
  in a fresh process with its model loaded, in turn, ``--build-rounds`` times;
* **stage costs**: the encoder's share of an in-process search (``stage_timer``), the rest;
* **scale**: measured apart, by ``python -m eval.bench_scale`` (docs/performance-scale.md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from eval.datasets import SHARED, load_gold
from eval.metrics import percentile
from index.config import Settings

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "docs" / "corpus"
NAIVE_CHUNK = 500
WARM_UP_SECONDS = 5.0  # a load before the measured ones, on every server the benchmark starts
ROUND_PAUSE = 0.5  # seconds between pipelines within a round: torch's idle threads spin for up to ~0.2 s


def _ms(xs: list[float], q: float) -> float:
    return round(percentile(xs, q), 1) if xs else float("nan")


def _median_ms(fn: Callable[[], object], questions: list[str], ask: Callable[[str], object]) -> list[float]:
    fn()
    out: list[float] = []
    for q in questions:
        t0 = time.perf_counter()
        ask(q)
        out.append((time.perf_counter() - t0) * 1000)
    return out


# ------------------------------------------------------------------------------------------- naive


class Naive:
    """The pipeline of a tutorial: fixed-size chunks, sentence-transformers, FAISS; no citations."""

    def __init__(self, model_path: str, texts: list[str]) -> None:
        import faiss
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(model_path, device="cpu", local_files_only=True)
        self.chunks = [t[i : i + NAIVE_CHUNK] for t in texts for i in range(0, len(t), NAIVE_CHUNK)]
        vecs = self.embed(self.chunks)
        self.index = faiss.IndexFlatIP(vecs.shape[1])
        self.index.add(vecs)

    def embed(self, texts: list[str], prefix: str = "passage: ") -> Any:
        v = self.model.encode([prefix + t for t in texts], batch_size=32, normalize_embeddings=True)
        return np.asarray(v, dtype=np.float32)

    def search(self, q: str, k: int = 5) -> list[str]:
        v = self.embed([q], "query: ")
        _, ids = self.index.search(v, k)
        return [self.chunks[i] for i in ids[0] if i >= 0]


def measure_naive(naive: Naive, questions: list[str]) -> list[float]:
    return _median_ms(lambda: naive.search("预热"), questions, naive.search)


def measure_youju(searcher: Any, questions: list[str], stages: dict[str, list[float]]) -> list[float]:
    """Milliseconds per question of ``Searcher.search``; each timed stage's milliseconds added to ``stages``."""

    def timer(stage: str, seconds: float) -> None:
        stages.setdefault(stage, []).append(seconds * 1000)

    def ask(q: str) -> object:
        return searcher.search(q, 5, stage_timer=timer)

    return _median_ms(lambda: searcher.search("预热", 5), questions, ask)


def stage_rows(stages: dict[str, list[float]], searches: list[float]) -> list[dict[str, Any]]:
    """The p50 of each timed stage, and its share of a search's p50."""
    total = percentile(searches, 0.5)
    return [
        {"stage": name, "p50 ms": _ms(v, 0.5), "share of search p50": f"{percentile(v, 0.5) / total:.0%}"}
        for name, v in sorted(stages.items())
    ]


def one_at_a_time(
    naive: Naive, searcher: Any, base: str, questions: list[str], asked: Path, rounds: int
) -> dict[str, Any]:
    """The naive pipeline, youju in-process and youju over HTTP, each asking every question once, in turn,
    ``rounds`` times: the machine's speed drifts by tens of percent within minutes, and each round compares
    the three over the same minute. The speed-ups are the medians of the rounds' own ratios."""
    naive_ms: list[float] = []
    youju_ms: list[float] = []
    http_ms: list[float] = []
    stages: dict[str, list[float]] = {}
    per_round: list[dict[str, Any]] = []
    for r in range(1, rounds + 1):
        n = measure_naive(naive, questions)
        time.sleep(ROUND_PAUSE)
        y = measure_youju(searcher, questions, stages)
        time.sleep(ROUND_PAUSE)
        h = generate(base, asked, 1, 0.0, once=True).latencies
        time.sleep(ROUND_PAUSE)
        n50, y50, h50 = (percentile(x, 0.5) for x in (n, y, h))
        per_round.append(
            {
                "round": r,
                "naive p50 ms": round(n50, 1),
                "in-process p50 ms": round(y50, 1),
                "HTTP p50 ms": round(h50, 1),
                "in-process speed-up": round(n50 / y50, 2),
                "HTTP speed-up": round(n50 / h50, 2),
            }
        )
        naive_ms += n
        youju_ms += y
        http_ms += h
    latency = [
        {
            "pipeline": "naive in-process (500-char chunks, ST fp32, FAISS)",
            "p50 ms": _ms(naive_ms, 0.5),
            "p95 ms": _ms(naive_ms, 0.95),
        },
        {"pipeline": "youju in-process (Searcher.search)", "p50 ms": _ms(youju_ms, 0.5), "p95 ms": _ms(youju_ms, 0.95)},
        {"pipeline": "youju over HTTP (one client)", "p50 ms": _ms(http_ms, 0.5), "p95 ms": _ms(http_ms, 0.95)},
    ]
    return {
        "latency": latency,
        "rounds": per_round,
        "speedup_http": round(float(np.median([x["HTTP speed-up"] for x in per_round])), 2),
        "speedup_inprocess": round(float(np.median([x["in-process speed-up"] for x in per_round])), 2),
        "naive_rate": round(1000 / percentile(naive_ms, 0.5), 1),
        "stages": stage_rows(stages, youju_ms),
    }


# ------------------------------------------------------------------------------------------- HTTP


def free_port() -> int:
    """A loopback port free now (for a server started next)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Load:
    clients: int
    seconds: float
    latencies: list[float] = field(default_factory=list)  # milliseconds
    statuses: dict[int, int] = field(default_factory=dict)
    retry_after_missing: int = 0

    @property
    def qps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def row(self) -> dict[str, Any]:
        errors = sum(n for s, n in self.statuses.items() if s != 200)
        return {
            "clients": self.clients,
            "requests": len(self.latencies),
            "requests/s": round(self.qps, 1),
            "p50 ms": _ms(self.latencies, 0.5),
            "p95 ms": _ms(self.latencies, 0.95),
            "errors": errors,
            "statuses": dict(sorted(self.statuses.items())),
            "503 without Retry-After": self.retry_after_missing,
        }


def generate(base: str, questions: Path, clients: int, seconds: float, once: bool = False) -> Load:
    """Run the load generator (``eval/loadgen.py``) in a process of its own and read its figures."""
    cmd = [sys.executable, "-m", "eval.loadgen", "--url", base, "--questions", str(questions)]
    cmd += ["--once"] if once else ["--clients", str(clients), "--seconds", str(seconds)]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True, timeout=seconds + 600)
    got = json.loads(out.stdout)
    return Load(
        clients,
        float(got["seconds"]),
        [float(x) for x in got["latencies_ms"]],
        {int(k): int(v) for k, v in got["statuses"].items()},
        int(got["503 without Retry-After"]),
    )


def serve(work: Path, env_extra: dict[str, str], warm_up: Path | None = None) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "YOUJU_RATE_LIMIT_PER_MINUTE": "0",
        "YOUJU_INDEX_DIR": str(work / "index"),
        "YOUJU_FEEDBACK_DB": str(work / "feedback.sqlite3"),
        "YOUJU_STATE_DB": str(work / "youju.sqlite3"),
        "YOUJU_LOG_LEVEL": "warning",
        **env_extra,
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "index.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600
    while True:
        try:
            if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            server.terminate()
            raise RuntimeError("youju serve did not become ready")
        time.sleep(0.3)
    httpx.post(base + "/api/v1/search", json={"query": "预热"}, timeout=60)
    # With several workers, each takes connections once its own index is loaded, and the first to be ready
    # answered /readyz: the others were started with it and load alongside. A warm-up load, not measured (for
    # one process too, alike), gives them the seconds they need.
    workers = int(env.get("YOUJU_WORKERS", "1"))
    while workers > 1 and len(worker_pids(server.pid)) < workers and time.monotonic() < deadline:
        time.sleep(0.3)
    if warm_up is not None:
        generate(base, warm_up, 16, WARM_UP_SECONDS)
    return server, base


def worker_pids(pid: int) -> list[int]:
    """The worker processes of a ``youju serve --workers`` (Python's spawn children of ``pid``)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if ppid == pid and b"spawn_main" in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    server.wait(timeout=60)


# ------------------------------------------------------------------------------------------- build


def drcd_paragraphs(n: int) -> list[str]:
    data = json.loads((SHARED / "DRCD_dev.json").read_text(encoding="utf-8"))
    out = [p["context"] for a in data["data"] for p in a["paragraphs"]]
    return out[:n]


# Both sides of a round run in a fresh process of their own (nothing converted, cut or compiled for these
# texts before: a new process pays for its first passes of each shape, up to a tenth more in trials here),
# their model loaded before the clock starts. argv: the corpus directory, then the index directory.
_TIMED_NAIVE = """
import json, sys, time
from pathlib import Path
from sentence_transformers import SentenceTransformer
from eval.bench_perf import NAIVE_CHUNK
from index.config import Settings
from index.embed.models import resolve_model_path
s = Settings()
model = SentenceTransformer(resolve_model_path(s.model, s.cache_dir), device="cpu", local_files_only=True)
texts = [f.read_text(encoding="utf-8").removesuffix("\\n") for f in sorted(Path(sys.argv[1]).glob("*.txt"))]
chunks = ["passage: " + t[i : i + NAIVE_CHUNK] for t in texts for i in range(0, len(t), NAIVE_CHUNK)]
t0 = time.perf_counter()
model.encode(chunks, batch_size=32, normalize_embeddings=True)
print(json.dumps({"seconds": time.perf_counter() - t0, "passages": len(chunks)}))
"""
_TIMED_BUILD = """
import json, sys, time
from pathlib import Path
from index.config import Settings
from index.pipeline import build, make_embedder, set_threads
s = Settings(corpus_dir=Path(sys.argv[1]), index_dir=Path(sys.argv[2]))
set_threads(s.threads)  # as `youju build` does
embedder = make_embedder(s)
getattr(embedder, "prepare_passages", lambda: None)()
t0 = time.perf_counter()
report = build(s, force=True)
print(json.dumps({"seconds": time.perf_counter() - t0, "passages": report.passages}))
"""


def timed(script: str, corpus: Path, index_dir: Path) -> tuple[float, int]:
    """Seconds and passages of a ``_TIMED_*`` script, run in a new process."""
    out = subprocess.run(
        [sys.executable, "-c", script, str(corpus), str(index_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if out.returncode != 0:
        raise RuntimeError(f"timed run failed ({out.returncode}):\n{out.stderr[-4000:]}")
    got = json.loads(out.stdout.strip().splitlines()[-1])
    return float(got["seconds"]), int(got["passages"])


def build_throughput(paragraphs: list[str], work: Path, rounds: int) -> dict[str, Any]:
    """Characters/s: the naive loop embedding 500-character chunks vs ``youju build`` (a fresh index each
    time), each in a fresh process with its model loaded, in turn, ``rounds`` times; the ratio is the median
    of the rounds' own ratios."""
    chars = sum(len(p) for p in paragraphs)
    corpus = work / "build-corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for i, p in enumerate(paragraphs):
        (corpus / f"drcd-{i:04d}.txt").write_text(p + "\n", encoding="utf-8")
    per_round: list[dict[str, Any]] = []
    passages = 0
    for r in range(1, rounds + 1):
        index_dir = work / f"build-index-{r}"  # nothing reused from an earlier round
        naive_s, _ = timed(_TIMED_NAIVE, corpus, index_dir)
        time.sleep(ROUND_PAUSE)
        youju_s, passages = timed(_TIMED_BUILD, corpus, index_dir)
        shutil.rmtree(index_dir, ignore_errors=True)
        per_round.append(
            {
                "round": r,
                "naive chars/s": round(chars / naive_s),
                "youju chars/s": round(chars / youju_s),
                "ratio": round(naive_s / youju_s, 2),
            }
        )
    return {
        "paragraphs": len(paragraphs),
        "characters": chars,
        "naive chars/s": round(float(np.median([x["naive chars/s"] for x in per_round]))),
        "youju chars/s": round(float(np.median([x["youju chars/s"] for x in per_round]))),
        "ratio": round(float(np.median([x["ratio"] for x in per_round])), 2),
        "rounds": per_round,
        "youju passages": passages,
    }


# ------------------------------------------------------------------------------------------- report


def passage_encoder(settings: Settings) -> str:
    """How the build embeds passages: ``torch`` fp32 / bf16 (``YOUJU_EMBED_PRECISION`` on this CPU) or ONNX."""
    if settings.encoder != "torch":
        return settings.encoder
    from index.embed.st import torch_encoder_name

    return torch_encoder_name(settings.embed_precision)


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    packages = (
        "torch",
        "sentence-transformers",
        "onnxruntime",
        "faiss-cpu",
        "bm25s",
        "fastapi",
        "uvicorn",
        "httptools",
        "uvloop",
    )
    for pkg in packages:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            continue
    return out


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        info = Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines()
        cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), "")
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory GiB": round(mem, 1), "platform": platform.platform()}


def table(rows: list[dict[str, Any]]) -> list[str]:
    if not rows:
        return []
    keys = list(rows[0])
    lines = ["| " + " | ".join(keys) + " |", "|" + "|".join("---:" for _ in keys) + "|"]
    lines += ["| " + " | ".join(str(r[k]) for k in keys) + " |" for r in rows]
    return lines


def plot(loads: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 2, figsize=(9, 3.2))
    xs = [r["clients"] for r in loads]
    ax[0].plot(xs, [r["requests/s"] for r in loads], marker="o")
    ax[0].set_xscale("log", base=2)
    ax[0].set_xlabel("concurrent clients")
    ax[0].set_ylabel("requests/s")
    ax[1].plot(xs, [r["p50 ms"] for r in loads], marker="o", label="p50")
    ax[1].plot(xs, [r["p95 ms"] for r in loads], marker="o", label="p95")
    ax[1].set_xscale("log", base=2)
    ax[1].set_xlabel("concurrent clients")
    ax[1].set_ylabel("ms")
    ax[1].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md")
    ap.add_argument("--clients", default="1,4,16,64", help="concurrency levels of the HTTP load")
    ap.add_argument("--seconds", type=float, default=20.0, help="duration of each load level")
    ap.add_argument(
        "--workers",
        type=int,
        default=min(os.cpu_count() or 1, 8),
        help="YOUJU_WORKERS of the server under load (default: one per core, at most 8; 16 clients are also "
        "asked of one process)",
    )
    ap.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="rounds of one question at a time: each asks every question of the naive pipeline, of youju "
        "in-process and over HTTP, in turn",
    )
    ap.add_argument("--build-paragraphs", type=int, default=1000, help="DRCD paragraphs for build throughput")
    ap.add_argument(
        "--build-rounds", type=int, default=3, help="rounds of build throughput: the naive loop, then youju build"
    )
    ap.add_argument("--no-write", action="store_true", help="print the figures as JSON; write no document")
    ap.add_argument(
        "--from-json",
        type=Path,
        help="measure nothing: write the document again from the figures of a run (its performance.json)",
    )
    args = ap.parse_args(argv)
    if args.rounds < 1 or args.build_rounds < 1:
        ap.error("--rounds and --build-rounds must be at least 1")
    if args.from_json is not None:
        saved: dict[str, Any] = json.loads(args.from_json.read_text(encoding="utf-8"))
        for row in [*saved["loads"], *saved["cached"], *saved.get("one_process", [])]:  # JSON keys are strings
            row["statuses"] = {int(k): v for k, v in row["statuses"].items()}
        write(saved, args.out)
        return 0
    if not args.build_paragraphs and not args.no_write:
        ap.error("--build-paragraphs 0 (no build measurement) needs --no-write")

    from index.embed.models import resolve_model_path
    from index.pipeline import build, open_searcher

    settings = Settings()
    work = Path(tempfile.mkdtemp(prefix="youju-perf-"))
    results: dict[str, Any] = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": versions(),
        "settings": {
            "passages": passage_encoder(settings),
            "questions": settings.questions_encoder(),
            "reranker": settings.reranker,
            "workers": args.workers,
        },
    }
    try:
        questions = list(dict.fromkeys(q.text for q in load_gold().questions))
        texts = [p.read_text(encoding="utf-8") for p in sorted(REPORT.glob("*.txt"))]
        print(f"{len(questions)} distinct questions", file=sys.stderr)

        naive = Naive(resolve_model_path(settings.model, settings.cache_dir), texts)
        s = settings.model_copy(update={"corpus_dir": REPORT, "index_dir": work / "index"})
        build(s)
        # Its answer cache off: every round asks the same questions again.
        searcher = open_searcher(s.model_copy(update={"answer_cache_size": 0}))

        # The answer cache off: the load repeats the gold questions, and answers from memory would flatter it.
        asked = work / "questions.txt"
        asked.write_text("\n".join(" ".join(q.split()) for q in questions) + "\n", encoding="utf-8")
        uncached = {"YOUJU_CORPUS_DIR": str(REPORT), "YOUJU_ANSWER_CACHE_SIZE": "0"}
        server, base = serve(work, {**uncached, "YOUJU_WORKERS": str(args.workers)}, asked)
        try:
            results.update(one_at_a_time(naive, searcher, base, questions, asked, args.rounds))
            loads = [generate(base, asked, n, args.seconds).row() for n in map(int, args.clients.split(","))]
        finally:
            stop(server)
        del naive, searcher
        one_process: list[dict[str, Any]] = []
        if args.workers > 1:
            server, base = serve(work, {**uncached, "YOUJU_WORKERS": "1"}, asked)
            try:
                one_process = [generate(base, asked, 16, args.seconds).row()]
            finally:
                stop(server)
        server, base = serve(work, {"YOUJU_CORPUS_DIR": str(REPORT), "YOUJU_WORKERS": str(args.workers)}, asked)
        try:  # the answer cache on (the default)
            cached = [generate(base, asked, 16, args.seconds).row()]
        finally:
            stop(server)
        results.update(loads=loads, cached=cached, one_process=one_process, seconds=args.seconds)
        if args.build_paragraphs:
            paragraphs = drcd_paragraphs(args.build_paragraphs)
            results["build"] = build_throughput(paragraphs, work, args.build_rounds)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.no_write:
        print(json.dumps(results, ensure_ascii=False, indent=1))
        return 0

    write(results, args.out)
    return 0


def write(results: dict[str, Any], out: Path) -> None:
    """The document, its plot and its figures (``performance.json`` beside it)."""
    img = out.parent / "img" / "perf-load.png"
    img.parent.mkdir(parents=True, exist_ok=True)
    plot(results["loads"], img)
    out.with_suffix(".json").write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    out.write_text("\n".join(render(results, img.relative_to(out.parent))) + "\n", encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)


def targets(r: dict[str, Any]) -> list[str]:
    """The performance issue's targets against this run's figures (scale: docs/performance-scale.md)."""
    by_clients = {row["clients"]: row for row in r["loads"]}
    inproc = r["latency"][1]["p50 ms"]
    rows: list[tuple[str, str, bool]] = [
        ("HTTP p50 ≥ 3x faster than the naive pipeline", f"{r['speedup_http']}x", r["speedup_http"] >= 3),
        ("in-process search p50 ≤ 8 ms", f"{inproc} ms", inproc <= 8),
    ]
    sixteen = by_clients.get(16)
    if sixteen is not None:
        rate = sixteen["requests/s"] / r["naive_rate"]
        rows += [
            (
                "16 clients: ≥ 100 requests/s and ≥ 4x the naive single-thread rate",
                f"{sixteen['requests/s']}/s, {rate:.2f}x",
                sixteen["requests/s"] >= 100 and rate >= 4,
            ),
            ("16 clients: zero errors", str(sixteen["errors"]), sixteen["errors"] == 0),
            ("16 clients: p95 ≤ 200 ms", f"{sixteen['p95 ms']} ms", sixteen["p95 ms"] <= 200),
        ]
    many = by_clients.get(64)
    if many is not None:
        other = {s: n for s, n in many["statuses"].items() if int(s) >= 500 and int(s) != 503}
        ok = not other and many["503 without Retry-After"] == 0
        rows.append(("64 clients: no 5xx but 503 with Retry-After", "yes" if ok else f"no: {other}", ok))
    if "build" in r:
        ratio = r["build"]["ratio"]
        rows.append(("build ≥ 2.5x the naive embedding loop (characters/s)", f"{ratio}x", ratio >= 2.5))
    out = ["## Against the targets", "", "| target | this run | met? |", "|---|---:|---|"]
    out += [f"| {name} | {value} | {'yes' if ok else 'no'} |" for name, value, ok in rows]
    return [*out, ""]


def render(r: dict[str, Any], img: Path) -> list[str]:
    m, v = r["machine"], r["versions"]
    b = r["build"]
    workers = r["settings"].get("workers", 1)
    one = r.get("one_process", [])
    rounds = r.get("rounds", [])
    lines = [
        "# Performance",
        "",
        f"Measured by `python -m eval.bench_perf` on {r['generated_at'][:10]}, in one run, on this machine: "
        f"{m['cpus']} cores ({m['cpu']}), {m['memory GiB']} GiB, {m['platform']}. Versions: "
        + ", ".join(f"{k} {x}" for k, x in v.items())
        + f". Settings (the defaults but one): questions embedded by `{r['settings']['questions']}`, passages by "
        f"`{r['settings']['passages']}`, reranker `{r['settings']['reranker']}`; `youju serve` with "
        f"`YOUJU_WORKERS={workers}` (one worker process per core; the default is one process, also measured "
        "below). "
        "The raw figures are in [performance.json](performance.json).",
        "",
        "The machines are shared with other work, and the same code has measured up to twice as slow on a "
        "busy day. The naive pipeline, measured in the same run, is the yardstick: compare ratios within one "
        "run, not absolute times between runs.",
        "",
        "## One question at a time",
        "",
        *(
            [
                f"The gold questions of the shipped report, each asked once per round, in order, by the naive "
                f"pipeline, by youju in-process and by youju over HTTP in turn, {len(rounds)} rounds of the three "
                "(the machine's speed drifts within minutes; a round compares them over the same minute). "
                "p50/p95 over all rounds:",
                "",
                *table(r["latency"]),
                "",
                "Each round:",
                "",
                *table(rounds),
            ]
            if rounds
            else [
                "The gold questions of the shipped report, each asked once, in order (p50/p95 over all of them).",
                "",
                *table(r["latency"]),
            ]
        ),
        "",
        f"youju over HTTP answers in **{1 / r['speedup_http']:.2f}x** the naive pipeline's in-process time "
        f"(speed-up {r['speedup_http']}x, the median of the rounds'); in-process, {r['speedup_inprocess']}x. "
        "The naive pipeline's "
        f"single-thread rate is {r['naive_rate']} questions/s. youju's answer also carries the citation "
        "(document, headings, paragraph, page, character span), the highlighted sentence and the answer "
        "decision; the naive one returns 500-character chunks.",
        "",
        "Where an in-process search spends its time:",
        "",
        *table(r["stages"]),
        "",
        "## Under load",
        "",
        f"`youju serve` ({workers} worker process{'es' if workers > 1 else ''} sharing the port and the "
        "memory-mapped index, rate limit off, answer cache off) and N clients, each with a keep-alive connection, "
        f"asking the gold questions for {r['seconds']:.0f} s per level, after a warm-up load of "
        f"{WARM_UP_SECONDS:.0f} s. The load generator (`eval/loadgen.py`: one asyncio loop in a process of its "
        "own, prepared requests, tens of microseconds a request) runs on the same two cores as the server. "
        "Errors are any status but 200; every 503 must carry Retry-After. Within a worker, concurrent questions "
        "share encoder calls of one thread per core the worker has; a question alone gets a call with a thread "
        "per core of the machine (`service/batching.py`).",
        "",
        *table(r["loads"]),
        "",
        f"![Requests per second and latency by concurrent clients]({img.as_posix()})",
        "",
        *(
            [
                "The same 16 clients against one process (`YOUJU_WORKERS=1`, the default): its searches' Python "
                "steps and its event loop share one interpreter lock, and the cores are not kept busy "
                "(service/server.py):",
                "",
                *table(one),
                "",
            ]
            if one
            else []
        ),
        "The same at 16 clients with the default settings, the answer cache on (a question asked again "
        "within the cache's reach is answered from memory; the gold questions repeat during the run):",
        "",
        *table(r["cached"]),
        "",
        "## Building",
        "",
        f"{b['paragraphs']} DRCD paragraphs ({b['characters']:,} characters): a naive embedding loop "
        f"(sentence-transformers `encode`, 500-character chunks, batch 32) at {b['naive chars/s']:,} "
        f"characters/s; `youju build` (fresh index: reading, chunking, normalising, embedding, BM25, FAISS, "
        f"writing, the self-check) at {b['youju chars/s']:,} characters/s: **{b['ratio']}x** (medians of "
        f"{len(b.get('rounds', [])) or 1} rounds, each the naive loop and then the build; the ratio is the "
        "median of the rounds' own). Each side of a round runs in a fresh process with its model loaded before "
        "the clock starts (`youju build` from the command line also loads it: about 5 s on this machine).",
        "",
        *table(b.get("rounds", [])),
        "",
        "The encoder is most of a "
        "build: passages in bfloat16 on CPUs that have it, in batches of similar length; OpenCC converts each "
        "punctuation-delimited segment once and jieba cuts each block once (a build reads the same text as a "
        "document, as passages and as sentences), and the lexical side (BM25 terms, the sentences' "
        "presentation) is computed while the encoder embeds.",
        "",
    ]
    lines += targets(r)
    lines += [
        "## Encoders",
        "",
        "torch (fp32 and bfloat16), ONNX fp32 and ONNX int8 compared (latency, throughput, parity, retrieval "
        "figures), and why questions and passages use different ones: "
        "[performance-encoder.md](performance-encoder.md), measured with `python -m eval.bench_encoder`.",
        "",
        "## Scale",
        "",
        "One million passages on one machine (synthetic corpora built from real passages and vectors; dense "
        "index choices, BM25, memory, load time): [performance-scale.md](performance-scale.md), measured "
        "with `python -m eval.bench_scale`.",
        "",
    ]
    return lines


if __name__ == "__main__":
    sys.exit(main())
