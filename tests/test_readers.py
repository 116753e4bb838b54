"""Each reader on good input and on every kind of bad input."""
from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path

import pytest

from embeddings import Article, Skipped, read_paths
from conftest import SEED

NEWS5K = Path(__file__).resolve().parents[2] / "shared" / "data" / "news-5k" / "articles.jsonl.gz"


def _read(*paths) -> tuple[list[Article], list[Skipped]]:
    items = list(read_paths(paths))
    return ([i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, Skipped)])


def test_seed_markdown_metadata_and_clean_body():
    (article,), skipped = _read(SEED)
    assert not skipped
    assert article.title == "Putin, in New Year Letter to Trump, Says Moscow Is Open for Dialogue"
    assert article.outlet == "Reuters"
    assert article.published == date(2018, 12, 30)
    assert article.url == ("https://www.themoscowtimes.com/2018/12/30/putin-in-new-year-letter-"
                           "to-trump-says-moscow-is-open-for-dialogue-a64002")
    body = article.body
    assert body.startswith("President Vladimir Putin, in a New Year letter")
    assert body.endswith("sent home the same number of British embassy workers in retaliation.")
    assert "Related article" not in body and "Kremlin.ru" not in body
    assert "Original url" not in body and "**" not in body
    assert "TASS news agency quoted Lavrov as saying" in body


def test_plain_text_title_from_first_line(tmp_path):
    (tmp_path / "note.txt").write_text("Council approves budget\n\nThe council approved the "
                                       "budget on Friday.\n\nIt passed 7-2.", encoding="utf-8")
    (article,), _ = _read(tmp_path / "note.txt")
    assert article.title == "Council approves budget"
    assert article.body == "The council approved the budget on Friday.\n\nIt passed 7-2."
    assert article.url is None and article.published is None


def test_plain_markdown_single_paragraph_title_from_file_name(tmp_path):
    (tmp_path / "budget-vote.md").write_text("The council approved the budget.", encoding="utf-8")
    (article,), _ = _read(tmp_path / "budget-vote.md")
    assert article.title == "budget-vote"
    assert article.body == "The council approved the budget."


@pytest.mark.parametrize("record, expect", [
    ({"url": "https://a.example/1", "title": "T", "text": "Body one.", "publish_date": "2022-01-05T08:00:00",
      "authors": ["A B"], "source": "Outlet"},
     {"url": "https://a.example/1", "title": "T", "outlet": "Outlet", "published": date(2022, 1, 5),
      "authors": ("A B",)}),
    ({"link": "https://www.b.example/2", "headline": "H", "body": "Body two.", "published_at": "March 3, 2021",
      "author": "C D"},
     {"url": "https://www.b.example/2", "title": "H", "outlet": "b.example", "published": date(2021, 3, 3),
      "authors": ("C D",)}),
    ({"url": "https://c.example/3", "title": "X", "content": "Body three.", "date": "2020-02-02",
      "source": {"id": "c", "name": "C News"}, "outlet": "ignored"},
     {"outlet": "C News", "published": date(2020, 2, 2)}),
])
def test_json_record_field_names(tmp_path, record, expect):
    (tmp_path / "r.json").write_text(json.dumps(record), encoding="utf-8")
    (article,), skipped = _read(tmp_path / "r.json")
    assert not skipped
    for key, value in expect.items():
        assert getattr(article, key) == value


def test_json_list_and_wrapped_list(tmp_path):
    records = [{"title": f"T{i}", "text": f"Text {i}."} for i in range(3)]
    (tmp_path / "list.json").write_text(json.dumps(records), encoding="utf-8")
    (tmp_path / "wrapped.json").write_text(json.dumps({"articles": records}), encoding="utf-8")
    articles, skipped = _read(tmp_path / "list.json", tmp_path / "wrapped.json")
    assert [a.title for a in articles] == ["T0", "T1", "T2"] * 2 and not skipped


def test_jsonl_bad_lines_are_skipped_with_file_and_line(tmp_path):
    lines = [json.dumps({"title": "Good", "text": "Fine text."}), "{not json", "",
             json.dumps({"title": "No text"}), json.dumps(["a", "list"]),
             json.dumps({"title": "Also good", "body": "More text."})]
    path = tmp_path / "dump.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    articles, skipped = _read(path)
    assert [a.title for a in articles] == ["Good", "Also good"]
    assert [s.source for s in skipped] == [f"{path}:2", f"{path}:4", f"{path}:5"]
    assert "malformed JSON" in skipped[0].reason
    assert "without text" in skipped[1].reason
    assert "not a JSON object" in skipped[2].reason


def test_gzip_jsonl_read_transparently(tmp_path):
    path = tmp_path / "dump.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write(json.dumps({"url": "https://z.example/1", "title": "Zipped", "text": "Inside gz."}))
    (article,), _ = _read(path)
    assert article.title == "Zipped" and article.body == "Inside gz."


def test_html_page_main_text_and_metadata(tmp_path):
    html = """<html><head><title>Ignored - Site</title>
    <link rel="canonical" href="https://news.example/html-story">
    <meta property="article:published_time" content="2023-04-05T09:00:00Z">
    <meta property="og:site_name" content="Example Daily"></head>
    <body><nav>Home | World | Sport</nav><article><h1>Bridge reopens after repairs</h1>
    <p>The old bridge reopened on Wednesday after two years of repairs costing $40 million.</p>
    <p>"It is good to have it back," said commuter Lee Park, who crosses it every day.</p>
    </article><footer>Copyright Example Daily</footer></body></html>"""
    (tmp_path / "page.html").write_text(html, encoding="utf-8")
    (article,), skipped = _read(tmp_path / "page.html")
    assert not skipped
    assert article.title == "Bridge reopens after repairs"
    assert article.url == "https://news.example/html-story"
    assert article.published == date(2023, 4, 5)
    assert article.outlet == "Example Daily"
    assert "reopened on Wednesday" in article.body
    assert "Home | World" not in article.body and "Copyright" not in article.body


def test_bad_files_skipped_with_reasons(tmp_path):
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR" + bytes(range(256)))
    (tmp_path / "latin1.txt").write_bytes("Line one\nCaf\xe9 line two\n".encode("latin-1"))
    (tmp_path / "empty.md").write_bytes(b"")
    (tmp_path / "spaces.txt").write_text("   \n\n  ", encoding="utf-8")
    (tmp_path / "broken.json").write_text('{"title": "x",\n "text": ', encoding="utf-8")
    (tmp_path / "bad.jsonl.gz").write_bytes(b"\x1f\x8bnot really gzip")
    (tmp_path / "photo.png").write_bytes(b"\x89PNG")
    (tmp_path / "ok.txt").write_text("Fine title\n\nFine body.", encoding="utf-8")
    articles, skipped = _read(tmp_path)
    assert [a.title for a in articles] == ["latin1", "Fine title"]
    assert articles[0].body == "Line one\nCafé line two"  # its encoding detected, not refused
    reasons = {Path(s.source.split(":")[0]).name: (s.source, s.reason) for s in skipped}
    assert "binary" in reasons["binary.txt"][1] and "latin1.txt" not in reasons
    assert "empty" in reasons["empty.md"][1] and "empty" in reasons["spaces.txt"][1]
    assert "malformed JSON" in reasons["broken.json"][1]
    assert "gzip" in reasons["bad.jsonl.gz"][1]
    assert "not an article file" in reasons["photo.png"][1]


def test_folders_are_read_recursively(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "deep.txt").write_text("Deep title\n\nDeep body.", encoding="utf-8")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.txt").write_text("Hidden\n\nNot read.", encoding="utf-8")
    articles, skipped = _read(tmp_path, tmp_path / "missing.txt")
    assert [a.title for a in articles] == ["Deep title"]
    assert skipped[-1].reason == "no such file or folder"


def test_article_id_from_url_else_content():
    a = Article(title="t", body="same body", url="https://x.example/1")
    b = Article(title="other", body="other body", url="https://x.example/1")
    c = Article(title="t", body="same body")
    assert a.id == b.id != c.id
    assert a.content_hash != b.content_hash


@pytest.mark.skipif(not NEWS5K.exists(), reason="shared news-5k data is absent")
def test_news5k_reads_as_5000_articles():
    articles, skipped = _read(NEWS5K)
    assert len(articles) == 5000 and not skipped
    assert all(a.url and a.body for a in articles)


def test_hostile_json_and_gzip(tmp_path):
    import os
    import zlib

    lines = ["[" * 100_000 + "]" * 100_000, '{"title": "Big", "text": "x", "n": ' + "9" * 5000 + "}",
             json.dumps({"title": "Surrogate \ud800 title", "text": "Body with \ud83d lone half and \x00 NUL."},
                        ensure_ascii=True)]
    (tmp_path / "evil.jsonl").write_text("\n".join(lines), encoding="utf-8")
    # a gzip header with a broken deflate stream inside
    (tmp_path / "broken.jsonl.gz").write_bytes(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + b"\xff" * 40)
    os.mkfifo(tmp_path / "pipe.txt")
    articles, skipped = _read(tmp_path)
    (article,) = articles
    assert "\ufffd" in article.title and "\x00" not in article.body
    article.body.encode("utf-8")  # storable and embeddable
    reasons = " ".join(s.reason for s in skipped)
    assert "unreadable JSON line" in reasons and "corrupt gzip" in reasons
    assert "not a regular file" in reasons
    assert zlib  # the corrupt stream above is what zlib rejects


def test_gzip_bomb_is_refused(tmp_path, monkeypatch):
    import embeddings.readers as readers

    monkeypatch.setattr(readers, "MAX_FILE_BYTES", 1000)
    with gzip.open(tmp_path / "bomb.jsonl.gz", "wb") as f:
        f.write(b" " * 100_000)
    _, (skip,) = _read(tmp_path / "bomb.jsonl.gz")
    assert "unpacks to more than" in skip.reason
