"""Knowledge base (知识库): articles with versions and ratings, BM25 search, suggestions from a live transcript."""
