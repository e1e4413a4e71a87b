"""Everything that talks to the world: the Hub, GitHub, the command line, webhooks."""
