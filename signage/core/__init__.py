"""Pure core: recurrence, windows and (later) the timeline resolver.

Imports nothing but the standard library and python-dateutil; see README.md.
"""
