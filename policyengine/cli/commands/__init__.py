"""One module per sub-command: NAME, HELP, configure(parser), run(args) -> int."""
