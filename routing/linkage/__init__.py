"""Linkage (联动) with 110 and 数字城管: signed HTTP JSON, a transactional outbox, status callbacks.

See docs/linkage.md for the protocol. `service` holds the ticket steps, `outbox` the delivery worker,
`routes` the API (ours and the partners' inbound endpoints), `sim` the stand-in partners.
"""
