"""Read Q&A pairs from JSONL: OpenAI chat ``messages``, ``{"question","answer"}``, or ShareGPT."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from deeppersona_agents._read import MAX_LINE_CHARS, read_user_text
from deeppersona_agents.errors import ConfigError

_USER = {"user", "human"}
_ASSISTANT = {"assistant", "gpt", "bot", "model", "chatgpt"}


@dataclass(frozen=True)
class QAPair:
    """One user question and the reply to it."""

    question: str
    answer: str
    line: int

    @property
    def key(self) -> str:
        """Stable id (for the resume cache)."""
        return hashlib.sha256(f"{self.question}\x00{self.answer}".encode()).hexdigest()[:20]


def _turns(record: dict) -> list[tuple[str, str]]:
    if "messages" in record:
        return [(str(m.get("role", "")).lower(), str(m.get("content") or "")) for m in record["messages"]]
    if "conversations" in record:
        return [(str(m.get("from", "")).lower(), str(m.get("value") or "")) for m in record["conversations"]]
    raise ValueError("expected 'messages', 'conversations' or 'question'/'answer' keys")


def pairs_from_record(record: object, line: int) -> list[QAPair]:
    """The Q&A pairs of one JSONL record (raises ValueError with the reason when unusable)."""
    if not isinstance(record, dict):
        raise ValueError("a line must hold a JSON object")
    if "question" in record or "answer" in record:
        q, a = str(record.get("question") or "").strip(), str(record.get("answer") or "").strip()
        if not q or not a:
            raise ValueError("'question' and 'answer' must both be non-empty")
        return [QAPair(q, a, line)]
    turns = _turns(record)
    pairs = [
        QAPair(q.strip(), a.strip(), line)
        for (r1, q), (r2, a) in zip(turns, turns[1:], strict=False)
        if r1 in _USER and r2 in _ASSISTANT and q.strip() and a.strip()
    ]
    if not pairs:
        raise ValueError("no user turn followed by an assistant turn")
    return pairs


def read_pairs(path: str | Path) -> tuple[list[QAPair], list[tuple[int, str]]]:
    """All pairs in a JSONL file, and the bad lines as ``(line number, reason)``."""
    text = read_user_text(path, "conversations file")
    pairs: list[QAPair] = []
    bad: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        if len(raw) > MAX_LINE_CHARS:  # never sent to the model
            bad.append((number, f"{len(raw):,} characters, more than {MAX_LINE_CHARS:,}"))
            continue
        try:
            pairs.extend(pairs_from_record(json.loads(raw), number))
        except json.JSONDecodeError as exc:
            bad.append((number, f"not JSON ({exc.msg})"))
        except ValueError as exc:
            bad.append((number, str(exc)))
    if not pairs:
        first = f"; line {bad[0][0]}: {bad[0][1]}" if bad else ""
        raise ConfigError(f"{path} holds no usable question/answer pairs ({len(bad)} bad lines{first}); give JSONL "
                          "lines with chat 'messages', {\"question\", \"answer\"} or ShareGPT 'conversations'")
    return pairs, bad
