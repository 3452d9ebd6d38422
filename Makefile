# 信用助手 xinyong — the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV   := .venv
PY     := $(VENV)/bin/python
XY     := $(VENV)/bin/xinyong
STAMP  := $(VENV)/.installed

# Python 3.10 exactly (Rasa 3.6): python3.10 on PATH, else the newest pyenv 3.10.x.
PYTHON310 := $(shell \
  if python3.10 -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1; then \
    command -v python3.10; \
  else \
    ls -d /root/.pyenv/versions/3.10.* 2>/dev/null | sort -V | tail -n 1 | sed 's|$$|/bin/python|'; \
  fi)

.PHONY: help setup run test probe train seed bench load clean browser nginx

help:
	@echo "make run    set up, train if needed, create the demo database, start every server"
	@echo "make test   the whole test suite"
	@echo "make probe  the security probe's attacker-view tests (docs/security.md)"
	@echo "make setup  only create .venv and install (idempotent)"
	@echo "make bench  import and lookup benchmarks on 1,000,000 demo subjects (slow)"
	@echo "make load   load benchmark: 50 simulated users against the cluster and a bare Rasa baseline"

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@if [ -z "$(PYTHON310)" ] || ! "$(PYTHON310)" -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1; then \
	  echo "xinyong needs Python 3.10 (Rasa 3.6 does not run on 3.11+)." >&2; \
	  echo "Install python3.10 on PATH or under /root/.pyenv/versions/3.10.x, then run make again." >&2; \
	  exit 1; \
	fi
	@if [ ! -x "$(PY)" ]; then echo "creating $(VENV) with $(PYTHON310)"; "$(PYTHON310)" -m venv $(VENV); fi
	$(PY) -m pip install --quiet -c constraints.txt "pip==24.3.1" setuptools wheel
	$(PY) -m pip install --quiet -c constraints.txt -e ".[test]"
	@touch $(STAMP)

train: setup
	$(XY) train

run: setup
	$(XY) train
	$(XY) db init
	$(XY) db seed-demo --if-empty
	$(XY) serve

test: setup browser nginx
	$(PY) -m pytest -p no:cacheprovider $(PYTEST_ARGS)

# The security probe's findings, attacked again (docs/security.md); also part of `make test`.
probe: setup nginx
	$(PY) -m pytest -p no:cacheprovider -m probe $(PYTEST_ARGS)

# The chat page's end-to-end tests drive Debian's Chromium through Playwright; no browser is
# downloaded by a test tool. A CJK font makes the kept screenshots readable.
browser:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "wenquanyi\|noto sans cjk"; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's chromium and a CJK font for the browser tests"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-wqy-microhei >/dev/null \
	      || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-wqy-microhei >/dev/null; }; \
	  else \
	    echo "the browser tests need /usr/bin/chromium: sudo apt-get install chromium fonts-wqy-microhei" >&2; exit 1; \
	  fi; \
	fi

# `xinyong serve --replicas N` balances with the distribution's nginx; the fault tests run it.
nginx:
	@if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's nginx-light for the replicated cluster"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx-light >/dev/null \
	      || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx-light >/dev/null; }; \
	  else \
	    echo "the cluster tests need nginx: sudo apt-get install nginx-light" >&2; exit 1; \
	  fi; \
	fi

bench: setup
	$(PY) bench/run.py

load: setup nginx
	$(PY) bench/load.py

clean:
	rm -rf $(VENV) models/*.tar.gz var/*.db
