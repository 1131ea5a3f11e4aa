import os
import sys

from .cli.main import main

code = main()
if int(os.environ.get("WORLD_SIZE", "1")) > 1:
    # A torchrun rank has left its process group (vae_core.vae.distributed.teardown) and written what it
    # writes; skip interpreter finalization, where gloo's worker threads still holding work objects can
    # abort the process ("terminate called without an active exception", SIGABRT) after a good run.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)
sys.exit(code)
