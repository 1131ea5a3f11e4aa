"""Errors a user can cause and fix.

Anything raised as a ``VAECoreError`` carries a one-line message meant for a
person: the CLI prints it without a traceback and exits non-zero, and the app
shows it with ``st.error``. Bugs stay ordinary exceptions so they are not
mistaken for user mistakes.
"""


class VAECoreError(Exception):
    """Base class for every user-facing error raised by vae_core.

    The message (str(exc)) never names a server path the user did not give, because the app shows it to a
    web visitor. Where a local user needs one (the folder to clean up, where to copy files), it goes in
    `local_detail`: the CLI, whose user owns the machine, prints it after the message; the app never shows it.
    """

    local_detail: str = ""

    def __init__(self, *args, local_detail: str = ""):
        super().__init__(*args)
        if local_detail:
            self.local_detail = local_detail


class ConfigError(VAECoreError, ValueError):
    """A model or training configuration is invalid."""


class DataError(VAECoreError):
    """A data set name, path or file cannot be used."""


class CheckpointError(VAECoreError):
    """A checkpoint is missing, corrupted or does not match its config."""


class ImageError(VAECoreError):
    """An image file cannot be read or contains nothing to encode."""


class TrainingDivergedError(VAECoreError):
    """The loss became NaN or infinite; training stopped and wrote nothing.

    `result` (when set) holds the last good state: the best epoch so far.
    """

    result = None
