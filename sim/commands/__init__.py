"""Command-line subcommands (each module: register(subparsers), run(args) -> int)."""
