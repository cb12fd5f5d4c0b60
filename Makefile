# The two commands: `make run` serves nimbus, `make test` runs the suite.
# Python packages come from uv.lock (exact versions and hashes), so a fresh clone installs the same
# thing on any day; only `make upgrade` moves the lock.
PYTHON ?= python3
UV_VERSION := 0.13.9
VENV := .venv
BIN := $(VENV)/bin
TOOLS := .tools
# PyFlink, in an environment of its own: it pins pandas, pyarrow and py4j below what the server uses
FLINK_VENV := .flink
FLINK_REQUIREMENTS := nimbus/services/kinesisanalyticsv2/flink-requirements.txt
UV := $(TOOLS)/bin/uv
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never
# Installed packages come with their bytecode, and nimbus's own modules are compiled at install (COMPILE):
# a start that compiles its 650 modules from source (uv installs no bytecode, and PYTHONDONTWRITEBYTECODE
# keeps Python from caching what it compiled) takes twice the CPU to its first answer.
export UV_COMPILE_BYTECODE := 1
COMPILE = $(BIN)/python -m compileall -q -j 0 nimbus >/dev/null
SYNC := $(UV) sync --frozen --python $(PYTHON)

.PHONY: run test install install-server lint system-deps cdk-deps bench-deps bench bench-goals clean docs upgrade

# uv lives in its own small venv: `uv sync` prunes the project venv to the lock, uv included.
$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# The server alone (no test, bench or lint packages): what `make run` needs. `--inexact` keeps
# whatever `make test` installed.
install-server: $(UV)
	@$(SYNC) --quiet --inexact --no-default-groups
	@$(BIN)/python -m nimbus.core.routing_index
	@$(COMPILE)

install: $(UV)
	@$(SYNC) --quiet --extra test --extra bench --group lint
	@$(BIN)/python -m nimbus.core.routing_index
	@$(COMPILE)
	@test -x $(FLINK_VENV)/bin/python || $(UV) venv --quiet --python $(PYTHON) $(FLINK_VENV)
	@VIRTUAL_ENV=$(FLINK_VENV) $(UV) pip sync --quiet --require-hashes $(FLINK_REQUIREMENTS)
	@if command -v javac >/dev/null 2>&1; then $(BIN)/python -m nimbus.services.emr.emrfs >/dev/null; fi
	@if command -v javac >/dev/null 2>&1; then $(BIN)/python -m nimbus.services.kinesisanalyticsv2.connectors >/dev/null; fi

# Debian packages the tests drive for real (apt only where missing): PostgreSQL for Firehose's
# Redshift COPY and the store's PostgreSQL backend; a JDK (17) for EMR's steps on Spark.
system-deps:
	@if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql; \
	fi
	@if ! command -v javac >/dev/null 2>&1; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y openjdk-17-jdk-headless; \
	fi

# The AWS CDK (CLI and library) that tests/test_cdk.py deploys with, exactly as tests/cdk/package-lock.json
# pins it; npm ci runs again only when the lock or package.json changed since the last install. Node.js
# and npm come from Debian where missing.
CDK_APP := tests/cdk
cdk-deps: $(CDK_APP)/node_modules/.package-lock.json

$(CDK_APP)/node_modules/.package-lock.json: $(CDK_APP)/package-lock.json $(CDK_APP)/package.json
	@if ! command -v npm >/dev/null 2>&1; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y nodejs npm; \
	fi
	cd $(CDK_APP) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

run: install-server
	$(BIN)/nimbus serve $(ARGS)

test: system-deps install cdk-deps
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# The lint gate: ruff, mypy and vulture, configured in pyproject.toml.
lint: install
	$(BIN)/ruff check --quiet nimbus tests benchmarks examples
	$(BIN)/mypy
	$(BIN)/vulture

# What the CloudFront benchmark measures against and with (apt only where missing): nginx's proxy_cache
# and the wrk load generator.
bench-deps:
	@if ! test -x /usr/sbin/nginx || ! command -v wrk >/dev/null 2>&1; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y nginx wrk; \
	fi

# kinesalite, which the Kinesis benchmarks compare with, pinned by its package-lock.json like the CDK app.
KINESALITE := benchmarks/kinesalite
$(KINESALITE)/node_modules/.package-lock.json: $(KINESALITE)/package-lock.json $(KINESALITE)/package.json
	cd $(KINESALITE) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

bench: install bench-deps $(KINESALITE)/node_modules/.package-lock.json
	$(BIN)/python -m benchmarks.run $(ARGS)

# Issue 19's goals, each measured and judged in one run (benchmarks/goals.py).
bench-goals: install bench-deps $(KINESALITE)/node_modules/.package-lock.json
	$(BIN)/python -m benchmarks.goals

# uv.lock, and requirements.lock exported from it for pip users (a test checks they agree).
lock: $(UV)
	$(UV) lock
	$(UV) export --frozen --all-extras --format requirements-txt --no-emit-project -o requirements.lock

docs: install
	$(BIN)/python -m nimbus.tools.coverage_docs

# The one deliberate way to move botocore, boto3, awscli and the rest: relock, reinstall,
# regenerate the coverage tables from the new models, and run everything.
upgrade: $(UV)
	$(UV) lock --upgrade --python $(PYTHON)
	$(MAKE) docs
	$(MAKE) test

clean:
	rm -rf $(VENV) $(TOOLS) $(FLINK_VENV) .nimbus .pytest_cache .hypothesis .mypy_cache .ruff_cache
