"""Who may see what: roles and privacy rules, accounts, settings, sign-in throttling."""
