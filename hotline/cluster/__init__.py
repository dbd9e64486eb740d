"""Running as several workers: leases that give each periodic job to exactly one worker at a time.

`models.JobLease` is one row per job; `lease` takes, renews, releases and fences it; `runner.JobRunner` is the
loop every worker runs for every job, doing the work only while it holds the lease.
"""
