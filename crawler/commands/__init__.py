"""Project commands, found through COMMANDS_MODULE."""
