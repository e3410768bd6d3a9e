"""Talking to other hosts: the outbound-fetch guard (`signage.net.fetch`)."""
