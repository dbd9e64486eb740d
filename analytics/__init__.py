"""Analytics for case-analysis meetings (工单研判会): hot topics, rising issues, repeat complaints,
department performance, hotline indicators and the meeting pack (Excel + PDF)."""
