# Benchmarks print tables; they are run by hand or `make bench`, never collected as tests.
collect_ignore_glob = ["*.py"]
