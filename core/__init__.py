"""App-wide core every layer may import: typed settings, message catalogs, the loaded rules and FAQ."""
