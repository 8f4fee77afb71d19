# `make run`: install what is missing, then start the kiosk on simulated hardware beside the
# reference provincial API. `make test`: install the same, then run the whole suite.
.PHONY: install run test lint bench

install:
	@scripts/setup.sh

run: install
	@.venv/bin/python scripts/demo.py

test: install
	@.venv/bin/python -m pytest

lint: install
	@.venv/bin/ruff check .

bench: install
	@.venv/bin/python tests/bench/run_all.py
