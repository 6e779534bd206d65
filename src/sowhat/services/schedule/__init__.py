"""Scheduled runs: the lock that keeps syncs one at a time across processes (`lock`), the
jobs a schedule runs (`jobs`) and the scheduler `sowhat serve` starts (`runner`)."""
