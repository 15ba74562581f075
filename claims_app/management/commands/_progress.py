"""A progress bar for long imports and exports: drawn on a terminal, silent anywhere else."""

THRESHOLD = 300  # items; fewer finish before a bar would help


class TerminalProgress:
    def __init__(self, stream):
        self.stream = stream
        self.drawn = stream.isatty()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.drawn or total <= THRESHOLD:
            return
        width = 30
        filled = width * done // total
        # Unstyled: Django paints stderr red on a terminal, and progress is not an error.
        self.stream.write(
            f"\r{stage:<11} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}",
            style_func=_plain,
            ending="",
        )
        if done >= total:
            self.stream.write("", style_func=_plain)
        self.stream.flush()


def _plain(text: str) -> str:
    return text
