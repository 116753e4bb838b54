"""Language-model backends: any OpenAI-compatible endpoint, or a local GGUF file.

Both stream text pieces. Failures become `GenerationError` with a message a person can
act on (endpoint down, model missing, key wrong, timed out), never a traceback.
"""
from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass

Messages = list[dict[str, str]]


class GenerationError(RuntimeError):
    """The model could not answer; the message says why."""


@dataclass
class OpenAIBackend:
    """Chat completions over HTTP: Ollama, llama.cpp server, vLLM, hosted APIs."""

    base_url: str = "http://127.0.0.1:8080/v1"
    model: str = "default"
    api_key_env: str = "NEWSDESK_LLM_API_KEY"
    timeout: float = 60.0
    retries: int = 3
    backoff: float = 0.5  # seconds, doubled after each retry
    max_tokens: int = 400
    temperature: float = 0.0
    context_window: int = 8192

    @property
    def name(self) -> str:
        return f"openai:{self.model}@{self.base_url}"

    def _headers(self) -> dict[str, str]:
        key = os.environ.get(self.api_key_env) or os.environ.get("OPENAI_API_KEY")
        headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return headers

    def stream(self, messages: Messages) -> Iterator[str]:
        import httpx

        url = self.base_url.rstrip("/") + "/chat/completions"
        payload = {"model": self.model, "messages": messages, "stream": True,
                   "max_tokens": self.max_tokens, "temperature": self.temperature}
        delay = self.backoff
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                with httpx.Client(timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 10.0))) as client:
                    with client.stream("POST", url, json=payload, headers=self._headers()) as response:
                        if response.status_code == 429 or response.status_code >= 500:
                            if last:
                                raise GenerationError(
                                    f"the model endpoint {self.base_url} kept failing "
                                    f"(HTTP {response.status_code}) after {self.retries} retries")
                            response.read()
                            time.sleep(delay)
                            delay *= 2
                            continue
                        self._raise_for_status(response)
                        yield from self._events(response)
                        return
            except httpx.ConnectError:
                if last:
                    raise GenerationError(f"cannot reach the model endpoint {self.base_url}: "
                                          f"is the server running?") from None
                time.sleep(delay)
                delay *= 2
            except httpx.TimeoutException:
                raise GenerationError(f"the model endpoint {self.base_url} did not answer within "
                                      f"{self.timeout:g} s") from None
            except httpx.HTTPError as exc:
                raise GenerationError(f"talking to {self.base_url} failed: {exc}") from None

    def _raise_for_status(self, response) -> None:
        if response.status_code < 400:
            return
        body = response.read().decode("utf-8", "replace")[:300]
        if response.status_code in (401, 403):
            raise GenerationError(f"the model endpoint refused the API key (HTTP "
                                  f"{response.status_code}); set {self.api_key_env}")
        if response.status_code == 404:
            raise GenerationError(f"model {self.model!r} or the path /chat/completions was not "
                                  f"found at {self.base_url} (HTTP 404): {body}")
        raise GenerationError(f"the model endpoint answered HTTP {response.status_code}: {body}")

    @staticmethod
    def _events(response) -> Iterator[str]:
        for line in response.iter_lines():
            if not line.startswith("data:"):
                continue
            data = line[5:].strip()
            if data == "[DONE]":
                return
            try:
                event = json.loads(data)
            except json.JSONDecodeError:
                continue
            if "error" in event:
                raise GenerationError(f"the model endpoint reported: {event['error']}")
            for choice in event.get("choices", []):
                piece = (choice.get("delta") or {}).get("content")
                if piece:
                    yield piece


@dataclass
class LlamaCppBackend:
    """A local GGUF model in-process through llama-cpp-python (the `llama-cpp` extra)."""

    model_path: str
    context_window: int = 4096
    max_tokens: int = 400
    temperature: float = 0.0
    threads: int | None = None
    _llama: object = None

    @property
    def name(self) -> str:
        return f"llama-cpp:{os.path.basename(self.model_path)}"

    def _load(self):
        if self._llama is None:
            try:
                from llama_cpp import Llama
            except ImportError:
                raise GenerationError("the llama-cpp backend needs llama-cpp-python: "
                                      "pip install 'newsdesk[llama-cpp]'") from None
            if not os.path.isfile(self.model_path):
                raise GenerationError(f"no GGUF model file at {self.model_path}")
            try:
                self._llama = Llama(model_path=self.model_path, n_ctx=self.context_window,
                                    n_threads=self.threads, verbose=False)
            except (ValueError, RuntimeError) as exc:
                raise GenerationError(f"cannot load {self.model_path}: {exc}") from None
        return self._llama

    def stream(self, messages: Messages) -> Iterator[str]:
        llama = self._load()
        try:
            for event in llama.create_chat_completion(messages=messages, stream=True,
                                                      max_tokens=self.max_tokens,
                                                      temperature=self.temperature):
                piece = event["choices"][0].get("delta", {}).get("content")
                if piece:
                    yield piece
        except (ValueError, RuntimeError) as exc:  # e.g. the prompt overflows the context
            raise GenerationError(f"the local model failed: {exc}") from None


def _number(variable: str, default: float, kind=float):
    raw = os.environ.get(variable)
    if raw is None:
        return default
    try:
        return kind(raw)
    except ValueError:
        raise GenerationError(f"{variable} must be a number, not {raw!r}") from None


def backend_from_settings(name: str | None = None):
    """The backend the environment names (NEWSDESK_LLM_BACKEND), configured from it."""
    name = name or os.environ.get("NEWSDESK_LLM_BACKEND", "openai")
    if name == "openai":
        return OpenAIBackend(
            base_url=os.environ.get("NEWSDESK_LLM_BASE_URL", OpenAIBackend.base_url),
            model=os.environ.get("NEWSDESK_LLM_MODEL", OpenAIBackend.model),
            timeout=_number("NEWSDESK_LLM_TIMEOUT", OpenAIBackend.timeout),
            context_window=_number("NEWSDESK_LLM_CONTEXT", OpenAIBackend.context_window, int))
    if name in ("llama-cpp", "llama_cpp"):
        path = os.environ.get("NEWSDESK_LLM_GGUF")
        if not path:
            raise GenerationError("the llama-cpp backend needs NEWSDESK_LLM_GGUF, the path of a "
                                  ".gguf model file")
        return LlamaCppBackend(path, context_window=_number("NEWSDESK_LLM_CONTEXT", 4096, int))
    raise GenerationError(f"unknown generation backend {name!r}; choose openai or llama-cpp")
