"""The demo workspace: simulated events, OKRs and targets a new user can explore."""
