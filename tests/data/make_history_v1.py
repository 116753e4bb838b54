"""How tests/data/history-v1.sqlite and history-v1.json were written: with the History of
schema version 1 (commit "history: a version-1 file ..."), before the schema had a version.
Kept as a record; running it with later code writes a file of the later version."""
from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

from assistant.answer import Answer, Quote, Source
from assistant.history import History

HERE = Path(__file__).parent


def _generation() -> dict:
    """A generated answer's record as GenerativeAssistant made it: its verifier's report."""
    from assistant.generation.verify import verify

    raw = "The council voted 7-2 [1]: \"The city council voted 7-2 to ban single-use plastic bags.\" [1]"
    report = verify(raw, {1: "The city council voted 7-2 to ban single-use plastic bags."})
    return {"backend": "openai:default@http://127.0.0.1:8080/v1", "raw": raw,
            "text": report.text, "verification": report.to_dict(), "prompt_tokens": 412}


def answers() -> list[list[Answer]]:
    lavrov = Source(1, "a1b2c3", "Lavrov says talks “must go on”", "https://example.org/lavrov",
                    "Reuters", date(2022, 2, 14))
    wire = Source(2, "d4e5f6", "Lavrov: talks to go on (AP)", None, None, None)
    body = "Russian Foreign Minister Sergei Lavrov said on Monday that talks “must go on”."
    first = Answer(question="What did Lavrov say?", query="What did Lavrov say?", found=True,
                   quotes=[Quote(body, 120, 120 + len(body), 1, "a1b2c3", (2,),
                                 {"vector": 0.8123, "keyword": 0.5})],
                   sources=[lavrov, wire], as_of=date(2022, 2, 16), strength=0.8123,
                   evidence={"best": 0.8123, "threshold": 0.45})
    second = Answer(question="and then?", query="and then? (Lavrov)", found=False,
                    see_also=[lavrov], as_of=date(2022, 2, 16), strength=0.21,
                    evidence={"best": 0.21, "threshold": 0.45})
    bags = Source(1, "0f0f0f", "City bans plastic bags", "https://example.org/bags", "BBC",
                  date(2021, 6, 1))
    third = Answer(question="Which city banned plastic bags? Ünïcode ok", query="Which city banned plastic bags? Ünïcode ok",
                   found=True,
                   quotes=[Quote("The city council voted 7-2 to ban single-use plastic bags.",
                                 0, 58, 1, "0f0f0f")],
                   sources=[bags], as_of=date(2021, 6, 3), strength=0.77,
                   generation=_generation())
    return [[first, second], [third]]


def main(path: Path = HERE / "history-v1.sqlite") -> None:
    path.unlink(missing_ok=True)
    history = History(path)
    for conversation in answers():
        cid = history.start(conversation[0].question)
        for answer in conversation:
            history.add_turn(cid, answer)
    expected = {"conversations": [vars(c) for c in history.conversations()],
                "questions": history.questions(),
                "turns": {c.id: [a.to_dict() for a in history.turns(c.id)]
                          for c in history.conversations()}}
    history.close()
    (HERE / "history-v1.json").write_text(json.dumps(expected, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(*map(Path, sys.argv[1:]))
