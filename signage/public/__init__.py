"""The public mirror: what public screens show now, as an accessible page and an RSS feed
for anyone, without signing in. Only slides marked public, on displays of locations
marked public, and the alerts reaching those displays ever leave through here."""
