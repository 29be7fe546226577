# fleetstream's front door. `make demo` runs the pipeline on a local stack,
# `make test` runs every check; both install what they need first.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Connection settings of the local stack (override any of them in the environment).
export KAFKA_BROKERS ?= 127.0.0.1:9092
export SCHEMA_REGISTRY_URL ?= http://127.0.0.1:8081/apis/ccompat/v7
export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/fleetstream
export REDIS_URL ?= redis://127.0.0.1:6379
# MQTT_URL and the broker's other settings come from the stack's own Mosquitto, whose
# passwords `make up` generates: `infra/local/stack.sh env` prints them.
MQTT_ENV := eval "$$(infra/local/stack.sh env)"

FLEETSTREAM := node dist/bin/fleetstream.js

.PHONY: help install build up down status env typecheck lint test demo bench docs clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 12

# `npm install --no-save` installs the locked versions and never rewrites the lock. Not `npm ci`:
# a registry that does not serve other platforms' optional binaries (as on the CI machines) leaves
# them out of any lock it writes, and `npm ci` then refuses that lock as out of sync.
# patches/ holds fixes to dependencies, applied by patch-package after every install (postinstall).
node_modules/.package-lock.json: package.json package-lock.json $(wildcard patches/*.patch)
	npm install --no-save --no-audit --no-fund
	@touch $@

install: node_modules/.package-lock.json ## install the npm dependencies, the locked versions

build: install ## compile TypeScript into dist/
	npm run --silent build

up: build ## start the local stack (Kafka, schema registry, PostgreSQL, Redis, Mosquitto and its registry sync), apply the topics and the migrations
	infra/local/stack.sh up
	$(FLEETSTREAM) topics apply
	$(FLEETSTREAM) migrate
	infra/local/stack.sh broker-sync

down: ## stop what `make up` started, and nothing else
	infra/local/stack.sh down

status: ## what runs, and who started it
	infra/local/stack.sh status

env: ## print the connection settings of the local stack as shell exports
	@for v in KAFKA_BROKERS SCHEMA_REGISTRY_URL DATABASE_URL REDIS_URL; do echo "export $$v=$${!v}"; done
	@infra/local/stack.sh env

typecheck: install ## type-check everything, tests included
	npm run --silent typecheck

lint: install ## eslint
	npm run --silent lint

# the stack starts (downloads, servers booting) while the type-check and the lint run beside it
test: ## start the stack, type-check, lint, and run every test against the real servers
	$(MAKE) --no-print-directory -j3 --output-sync=line up typecheck lint
	$(MAKE) -s -C broker/plugin check BUILD_DIR=$(CURDIR)/.local/broker-plugin
	$(MQTT_ENV) && npx jest --ci --selectProjects unit integration
	$(MQTT_ENV) && npx jest --ci --selectProjects faults --runInBand --passWithNoTests

demo: up ## the main job: stack up, every component started, a simulated fleet publishing for DEMO_SECONDS (60), rollups shown
	$(MQTT_ENV) && node dist/infra/local/demo.js

bench: up ## the benchmarks (BENCH="end-to-end mqtt-source" picks some); results and charts in bench/results/
	$(MQTT_ENV) && node dist/bench/run.js $(BENCH)

docs: build ## regenerate the README's option reference from the options schemas
	node dist/infra/local/readme-options.js

clean: ## remove build output (keeps .local/, the stack's data)
	rm -rf dist
