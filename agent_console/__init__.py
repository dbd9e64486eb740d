"""The seat agent's and supervisor's console (/console), the wallboard (/wallboard) and their WebSocket protocol.

See docs/console.md for the protocol and the benchmark.
"""
