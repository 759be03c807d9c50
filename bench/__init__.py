"""The scale benchmark (issue 14): `python -m bench.run --docs 100000`; see bench/README.md."""
