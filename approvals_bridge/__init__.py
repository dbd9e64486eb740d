"""Approval (办件) status for callers: an `ApprovalSource` interface, an HTTP adapter for a government
service platform, and an embedded store (with demo cases from the real service guide) for a stand-alone install."""
