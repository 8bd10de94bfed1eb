"""Fork secrets: workflow runs started from forks never reach secrets or write tokens."""
