"""Callers (市民) and their calls: channel, times, legs, transcript, recording."""
