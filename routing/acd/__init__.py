"""Call distribution (ACD, 话务分配): the queue of calls, agents' states, offers, wrap-up and missed calls.

The state lives in the database, so every app worker sees the same queue and agents; each step is one
transaction, and the ticker (no-answer rollover, end of wrap-up) may run in every worker at once.
"""
