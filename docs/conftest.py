"""pytest runs the Markdown pages' examples as doctests; the Sphinx configuration, the build
output and the maintenance scripts are not tests."""

collect_ignore = ["conf.py"]
collect_ignore_glob = ["_build/*", "_generated/*", "tools/*", "_inventories/*"]
