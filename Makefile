# One command per check. `make demo` and `make test` work on a fresh machine (they set up .venv).
VENV := .venv/bin

.PHONY: setup demo test lint type bench
setup:
	bash scripts/setup.sh dev

demo:
	bash scripts/setup.sh
	$(VENV)/python -m simulations.wvs_study --countries IND -n 3 --attributes 20 --methods deep,cultural --out runs/wvs

test:
	bash scripts/setup.sh dev
	$(VENV)/deeppersona taxonomy validate
	$(VENV)/pytest -q
	$(VENV)/pytest -q --nbmake --nbmake-timeout=900 notebooks

lint:
	$(VENV)/ruff check deeppersona_agents tests benchmarks scripts simulations surveys notebooks

type:
	$(VENV)/mypy deeppersona_agents

bench:
	$(VENV)/python benchmarks/bench_graph.py
	$(VENV)/python benchmarks/bench_selection.py
	$(VENV)/python benchmarks/bench_tokens.py
	$(VENV)/python benchmarks/bench_embedded.py
	$(VENV)/python benchmarks/bench_builder.py
	$(VENV)/python benchmarks/bench_survey.py
	$(VENV)/python benchmarks/bench_population.py latency
	$(VENV)/python benchmarks/bench_population.py memory
	$(VENV)/python benchmarks/bench_population.py ray
	$(VENV)/python benchmarks/bench_faults.py
