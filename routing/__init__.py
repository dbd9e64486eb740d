"""Who handles what: call distribution to seats (ACD), dispatch suggestions, linkage to 110 and 数字城管."""
