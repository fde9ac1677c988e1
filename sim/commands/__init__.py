"""Command-line subcommands (each module: register(subparsers), run(args) -> int)."""

import argparse


class OneLineParser(argparse.ArgumentParser):
    """Argument errors as one line (exit 2), like config errors; ``-h`` shows the usage.
    ``run.py`` and the scripts and benchmarks parse with it."""

    def error(self, message: str) -> None:
        self.exit(2, f"error: {self.prog}: {message} (see {self.prog} -h)\n")


def whole_number(minimum: int):
    """An argparse type: an integer >= ``minimum``, with a readable error otherwise."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected a number >= {minimum}, got {text}")
        return value

    return parse
