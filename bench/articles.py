"""Article extraction speed and memory: `python -m bench.articles` (issue 12's closing note).

Extracts every page of the project's article corpus (tests/data/articles) and of the trafilatura evaluation
pages among the shared fixtures, and prints articles per second and the process's peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

from ingest.article import ArticleNotReadable, extract_article

ROOT = Path(__file__).resolve().parent.parent
PROJECT_CORPUS = ROOT / "tests" / "data" / "articles"
EVAL_CORPUS = ROOT.parent / "shared" / "fixtures" / "articles" / "trafilatura-eval" / "tests"


def project_pages() -> list[tuple[str, bytes]]:
    """(url, bytes) of each page of the project's corpus, from its manifest."""
    import yaml

    manifest = yaml.safe_load((PROJECT_CORPUS / "manifest.yaml").read_text(encoding="utf-8"))
    return [(entry["url"], (PROJECT_CORPUS / entry["file"]).read_bytes()) for entry in manifest["pages"]]


def eval_pages() -> list[tuple[str, bytes]]:
    """(url, bytes) of each trafilatura evaluation page; empty when the shared fixtures are missing."""
    if not (EVAL_CORPUS / "evaldata.json").is_file():
        return []
    cases = json.loads((EVAL_CORPUS / "evaldata.json").read_text(encoding="utf-8"))
    pages = []
    for url, case in cases.items():
        for folder in ("eval", "cache"):
            if (path := EVAL_CORPUS / folder / case["file"]).is_file():
                pages.append((url, path.read_bytes()))
                break
    return pages


def peak_rss_mb() -> float:
    """The process's peak resident set size so far, in MB (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def measure(name: str, pages: list[tuple[str, bytes]], repeat: int) -> None:
    """Extract `pages` `repeat` times and print the rate, the input size and the unreadable count."""
    if not pages:
        print(f"{name:<24} no pages found")
        return
    unreadable = 0
    started = time.perf_counter()
    for _ in range(repeat):
        for url, content in pages:
            try:
                extract_article(content, url)
            except ArticleNotReadable:
                unreadable += 1
    elapsed = time.perf_counter() - started
    count = len(pages) * repeat
    megabytes = sum(len(content) for _, content in pages) / 1e6
    print(
        f"{name:<24} {len(pages):>5} pages {megabytes:7.1f} MB  x{repeat}  {count / elapsed:8.1f} articles/s"
        f"  {elapsed / count * 1000:7.1f} ms/article  not readable {unreadable // repeat}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="passes over each corpus (default 3)")
    args = parser.parse_args(argv)
    project, evaluation = project_pages(), eval_pages()
    extract_article(project[0][1], project[0][0])  # warm up: imports and compiled patterns outside the timing
    print(f"peak RSS after start-up {peak_rss_mb():.0f} MB")
    measure("project corpus", project, args.repeat)
    measure("trafilatura eval", evaluation, args.repeat)
    print(f"peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
