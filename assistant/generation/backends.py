"""Language-model backends: any OpenAI-compatible endpoint, or a local GGUF file.

Both stream text pieces. Failures become `GenerationError` with a message a person can
act on (endpoint down, model missing, key wrong, timed out), never a traceback.

A backend is anything that has what `Backend` names; `BACKENDS` (in `.registry`) says
which ones there are and how each is made from `Settings`.
"""
from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from ..settings import Settings

from embeddings.errors import NewsdeskError

Messages = list[dict[str, str]]


class GenerationError(NewsdeskError, RuntimeError):
    """The model could not answer; the message says why."""


@runtime_checkable
class Backend(Protocol):
    """What generation needs from a language model.

    `stream` yields the answer's text in pieces as the model writes it and raises
    `GenerationError` (never anything else) when the model cannot answer; `name` says which
    model, for the answer's record; `context_window` and `max_tokens` (tokens) size the
    prompt so that it and the answer fit."""

    context_window: int
    max_tokens: int

    @property
    def name(self) -> str: ...

    def stream(self, messages: Messages) -> Iterator[str]: ...


@dataclass
class OpenAIBackend:
    """Chat completions over HTTP: Ollama, llama.cpp server, vLLM, hosted APIs.

    The HTTP work is the official `openai` client's (imported on first use): it streams
    the server-sent events and retries a refused connection, HTTP 408/409/429 and 5xx up to
    `retries` times, waiting as a `Retry-After` header says (up to two minutes), else
    `backoff` seconds doubled after each retry. A timeout is not retried: the server may
    still be working on the request, and the message says how long was waited."""

    base_url: str = "http://127.0.0.1:8080/v1"
    model: str = "default"
    api_key: str | None = None  # sent as a bearer token; none: no Authorization header
    timeout: float = 60.0
    retries: int = 3
    backoff: float = 0.5  # seconds, doubled after each retry
    max_tokens: int = 400
    temperature: float = 0.0
    context_window: int = 8192

    @property
    def name(self) -> str:
        return f"openai:{self.model}@{self.base_url}"

    def stream(self, messages: Messages) -> Iterator[str]:
        import openai

        key = self.api_key
        try:
            with _client(self, key) as client:
                events = client.chat.completions.create(
                    model=self.model, messages=messages, stream=True, max_tokens=self.max_tokens,
                    temperature=self.temperature,
                    # no key: no Authorization header at all, as a local server expects
                    extra_headers=None if key else {"Authorization": openai.Omit()})
                with events:
                    for event in events:
                        for choice in event.choices or ():
                            piece = choice.delta.content if choice.delta else None
                            if piece:
                                yield piece
        except openai.APITimeoutError:
            raise GenerationError(f"the model endpoint {self.base_url} did not answer within "
                                  f"{self.timeout:g} s") from None
        except openai.APIConnectionError:
            raise GenerationError(f"cannot reach the model endpoint {self.base_url}: "
                                  f"is the server running?") from None
        except openai.APIStatusError as exc:
            raise GenerationError(self._status_message(exc)) from None
        except openai.APIError as exc:  # an error event in the stream
            raise GenerationError(f"the model endpoint reported: {exc.body or exc.message}") from None
        except openai.OpenAIError as exc:
            raise GenerationError(f"talking to {self.base_url} failed: {exc}") from None
        except ValueError as exc:  # an event that is not JSON
            raise GenerationError(f"the model endpoint {self.base_url} sent an event that is "
                                  f"not JSON: {exc}") from None

    def _status_message(self, exc) -> str:
        status = exc.status_code
        body = exc.response.text[:300]
        if status in (401, 403):
            return (f"the model endpoint refused the API key (HTTP {status}); "
                    f"set NEWSDESK_LLM_API_KEY")
        if status == 404:
            return (f"model {self.model!r} or the path /chat/completions was not found at "
                    f"{self.base_url} (HTTP 404): {body}")
        if status in (408, 409, 429) or status >= 500:  # retried by the client, in vain
            # (none where the server said to wait over two minutes, or not to retry)
            retries = exc.response.request.headers.get("x-stainless-retry-count", self.retries)
            return (f"the model endpoint {self.base_url} kept failing (HTTP {status}) after "
                    f"{retries} retries")
        return f"the model endpoint answered HTTP {status}: {body}"


def _client(backend: OpenAIBackend, key: str | None):
    """An `openai.OpenAI` client for `backend`: its timeouts, retries and first wait."""
    import openai

    client_class, transport_class, http = _client_classes()
    timeout = http.Timeout(backend.timeout, connect=min(backend.timeout, 10.0))
    client = client_class(base_url=backend.base_url, api_key=key or "unused", timeout=timeout,
                          max_retries=backend.retries,
                          http_client=openai.DefaultHttpxClient(timeout=timeout,
                                                                transport=transport_class()))
    client.first_wait = backend.backoff
    return client


@functools.cache
def _client_classes():
    """The client and its transport, with two changes to the library's retries."""
    import openai

    try:  # the HTTP library under the client: httpx2 from openai 3, httpx before
        import httpx2 as http
    except ImportError:
        import httpx as http

    class Client(openai.OpenAI):
        first_wait = 0.5

        def _calculate_retry_timeout(self, remaining_retries, options, response_headers=None):
            # the library's own policy (Retry-After, else 0.5 s doubled, with jitter), scaled
            # so that the first wait is `first_wait` when the server says nothing
            wait = super()._calculate_retry_timeout(remaining_retries, options, response_headers)
            told = response_headers is not None and any(
                h in response_headers for h in ("retry-after", "retry-after-ms"))
            return wait if told else wait * self.first_wait / 0.5

    class NoRetryOnTimeout(http.HTTPTransport):
        # the library retries a timeout as it does a refused connection; raised as its own
        # error instead, a timeout is passed on at once
        def handle_request(self, request):
            try:
                return super().handle_request(request)
            except http.TimeoutException as exc:
                raise openai.APITimeoutError(request=request) from exc

    return Client, NoRetryOnTimeout, http


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


def openai_from_settings(settings: "Settings") -> OpenAIBackend:
    """An `OpenAIBackend` as the settings' `llm_*` values say (the backend's defaults for
    those not set)."""
    defaults = OpenAIBackend()
    return OpenAIBackend(
        base_url=settings.llm_base_url or defaults.base_url,
        model=settings.llm_model or defaults.model, api_key=settings.llm_api_key,
        timeout=settings.llm_timeout or defaults.timeout,
        context_window=settings.llm_context or defaults.context_window)


def llama_cpp_from_settings(settings: "Settings") -> LlamaCppBackend:
    """A `LlamaCppBackend` on the GGUF file the settings name (`NEWSDESK_LLM_GGUF`)."""
    if not settings.llm_gguf:
        raise GenerationError("the llama-cpp backend needs NEWSDESK_LLM_GGUF, the path of a "
                              ".gguf model file")
    return LlamaCppBackend(settings.llm_gguf, context_window=settings.llm_context or 4096)


def backend_from_settings(settings: "Settings | str | None" = None) -> Backend:
    """The backend the settings name (`llm_backend`), made from them. A name alone, or
    nothing, takes the other settings from the environment (`Settings.load`)."""
    from ..settings import Settings
    from .registry import BACKENDS

    if not isinstance(settings, Settings):
        name = settings
        settings = Settings.load()
        if name:
            settings = settings.replace(llm_backend=name)
    name = settings.llm_backend
    factory = BACKENDS.get(name) or BACKENDS.get(name.replace("_", "-"))
    if factory is None:
        raise GenerationError(f"unknown generation backend {name!r}; choose "
                              + " or ".join(BACKENDS))
    return factory(settings)
