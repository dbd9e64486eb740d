"""Demo data built from the real messages in ../shared/data."""
