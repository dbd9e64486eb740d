"""Caller self-service: ticket progress and approval status by web page, JSON API, Open311 and voice."""
