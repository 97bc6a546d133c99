# The test command is `make test` (README.md, "## Tests"); .ci/run runs exactly that.
# The other targets run a part of it, e.g. while working on one kind of test.
RUN_TESTS := bash tools/ci/run_tests.sh

.PHONY: test sanity units integration clean

test:
	$(RUN_TESTS)

sanity:
	STAGES=sanity $(RUN_TESTS)

units:
	STAGES=units $(RUN_TESTS)

integration:
	STAGES=integration $(RUN_TESTS)

clean:
	rm -rf .build .venv tests/output

# The module and role reference in docs/reference, rebuilt from the plugins' documentation (antsibull-docs).
.PHONY: docs ecosystem
docs: ; bash tools/docs/build.sh

# Only the ecosystem stage of the test command (ansible-doc, docs, ansible-lint, galaxy-importer, changelog, EE).
ecosystem:
	STAGES=ecosystem $(RUN_TESTS)

.PHONY: demo
demo: ; bash tools/demo.sh

.PHONY: bench
bench: ; bash tools/bench/run.sh
