# The two commands of the README's quick start, and a few helpers.
.PHONY: demo test lint unit setup clean-demo bench

demo:  ## create a disposable Debian 12 systemd host and converge harden-docker.yml on it
	tests/harness/demo.sh

test:  ## the whole suite: lint, build, unit tests, every Molecule scenario
	tests/harness/run-tests.sh

setup:
	tests/harness/setup.sh

lint:
	SKIP_MOLECULE=1 tests/harness/run-tests.sh

clean-demo:
	tests/harness/demo.sh --destroy

bench:  ## the benchmark: converge and re-run cost, fleet scaling, certificate issuance
	bench/run.sh
