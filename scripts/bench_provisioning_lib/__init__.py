"""The pieces of scripts/bench_provisioning.py: warehouse, layout, marketplace, measurements and report."""
