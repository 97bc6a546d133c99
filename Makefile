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

.PHONY: demo
demo: ; bash tools/demo.sh
