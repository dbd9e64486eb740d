"""The million-ticket benchmark of the case-analysis meeting pack (hotline analytics bench)."""
