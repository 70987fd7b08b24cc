"""The command line's commands: parse options, call the core, print Swedish."""
