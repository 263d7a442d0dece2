# The benchmark is not a test: keep pytest out even when it is pointed at bench/ explicitly.
collect_ignore_glob = ["*.py"]
