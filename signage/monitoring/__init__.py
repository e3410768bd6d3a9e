"""Knowing whether screens are up: display outages and the notices they send to
facility managers (console and email), instance-wide counters, Prometheus metrics and
structured logs."""
