"""Untrusted text made inert for Streamlit (pure functions, no Streamlit import).

Feed titles, bodies, snippets and source titles are untrusted. Streamlit
parses Markdown in `st.markdown`, `st.caption`, headings, widget labels and
page-link labels, and Markdown fetches remote images. So every untrusted
string goes through `escape_md` or `escape_inline` before it reaches one
of those; where no markup is needed at all, pages use `st.text`, which
renders none. Links are built only for http(s) URLs (`safe_url`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlencode, urlsplit

# CommonMark lets any ASCII punctuation be backslash-escaped, which makes it
# literal: no emphasis, links, images (`![`), HTML (`<`), entities (`&`),
# tables, headings, Streamlit directives (`:orange[...]`) or maths (`$`).
_PUNCTUATION = re.compile(r"([!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])")
# GFM turns bare URLs, www. names and e-mail addresses into links even when
# their punctuation is escaped; a zero-width space breaks the pattern.
_AUTOLINK = re.compile(r"(?i)(?<=:)(?=//)|(?<=www)(?=\.)|(?=@)")
_ZERO_WIDTH = "\u200b"
# Control characters other than tab and newline have no business on screen.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"\s+")
_URL_UNSAFE = re.compile(r"[\s\x00-\x1f\x7f<>\"\\^`{|}]")
KIND_LABELS = {
    "news": "News",
    "rule": "Rule",
    "proposed_rule": "Proposed rule",
    "notice": "Notice",
    "page_snapshot": "Page snapshot",
}


def kind_label(kind: str) -> str:
    """How a document kind reads on screen."""
    return KIND_LABELS.get(kind, kind.replace("_", " ").capitalize())


def escape_inline(text: object, limit: int | None = None) -> str:
    """One line of Markdown that shows `text` literally (whitespace collapsed)."""
    plain = _SPACES.sub(" ", _CONTROL.sub("", _as_text(text)))
    if limit is not None and len(plain) > limit:
        plain = plain[: limit - 1].rstrip() + "…"
    return _escape(plain)


def escape_md(text: object) -> str:
    """Markdown that shows multi-line `text` literally, one paragraph per blank-line block."""
    lines = [_SPACES.sub(" ", line).strip() for line in _CONTROL.sub("", _as_text(text)).split("\n")]
    blocks = "\n".join(lines)
    blocks = re.sub(r"\n{2,}", "\n\n", blocks).strip()
    # A single newline would join lines into one paragraph: make it a hard break.
    return re.sub(r"(?<!\n)\n(?!\n)", "  \n", _escape(blocks))


def _escape(text: str) -> str:
    return _PUNCTUATION.sub(r"\\\1", _AUTOLINK.sub(_ZERO_WIDTH, text))


def _as_text(text: object) -> str:
    return "" if text is None else str(text)


def safe_url(url: str | None) -> str | None:
    """`url` if it is an absolute http(s) URL without spaces or control characters, else None."""
    if not url or not isinstance(url, str):
        return None
    url = url.strip()
    if _URL_UNSAFE.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def md_link(label: object, url: str | None) -> str:
    """A Markdown link to `url` when it is safe, else just the escaped label."""
    target = safe_url(url)
    text = escape_inline(label) or "link"
    if target is None:
        return text
    return f"[{text}]({target.replace('(', '%28').replace(')', '%29')})"


def internal_href(url_path: str, params: Mapping[str, str | list[str]] | None = None) -> str:
    """A relative link to an app page (`url_path` is ours, the parameters are encoded; a list repeats)."""
    query = urlencode(params or {}, doseq=True)
    return f"{url_path}?{query}" if query else url_path


def internal_link(label: object, url_path: str, params: Mapping[str, str | list[str]] | None = None) -> str:
    """A Markdown link to an app page with an escaped label."""
    return f"[{escape_inline(label) or url_path}]({internal_href(url_path, params)})"


def highlight_snippet(segments: list[tuple[str, bool]], limit: int = 600) -> str:
    """A snippet's `(text, is_match)` segments as one line of Markdown, matches highlighted."""
    out, used = [], 0
    for text, is_match in segments:
        plain = _SPACES.sub(" ", _CONTROL.sub("", _as_text(text)))
        if used + len(plain) > limit:
            plain = plain[: max(0, limit - used)] + "…"
        used += len(plain)
        if is_match and plain.strip():
            lead, core, trail = _split_spaces(plain)
            out.append(f"{lead}:orange-background[**{_escape(core)}**]{trail}")
        else:
            out.append(_escape(plain))
        if used >= limit:
            break
    return "".join(out).strip()


def _split_spaces(text: str) -> tuple[str, str, str]:
    core = text.strip()
    start = text.index(core)
    return text[:start], core, text[start + len(core) :]


def highlight_mentions(text: object, spans: list[tuple[int, int]], color: str = "blue") -> str:
    """Multi-line `text` as Markdown that shows it literally, with the `(start, end)` spans (entity
    mentions found in it) highlighted; one paragraph per blank-line block, as `escape_md`."""
    raw = _as_text(text)
    out, at = [], 0
    for start, end in sorted(spans):
        if start < at or end <= start or end > len(raw):
            continue  # overlapping or outside the text
        out.append(_md_text(raw[at:start]))
        core = _escape(_SPACES.sub(" ", _CONTROL.sub("", raw[start:end])).strip())
        out.append(f":{color}-background[{core}]" if core else "")
        at = end
    out.append(_md_text(raw[at:]))
    return "".join(out).strip()


def _md_text(segment: str) -> str:
    """Literal text, whitespace runs made one space, a line break or a paragraph break."""
    out = []
    for part in re.split(r"(\s+)", _CONTROL.sub("", segment)):
        if not part:
            continue
        if part.isspace():
            lines = part.count("\n")
            out.append("\n\n" if lines >= 2 else "  \n" if lines == 1 else " ")
        else:
            out.append(_escape(part))
    return "".join(out)
