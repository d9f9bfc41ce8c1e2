# SPDX-License-Identifier: Apache-2.0
"""A long job's log: each line printed and appended to FOLDER/log.txt at once."""
from pathlib import Path


def open_log(folder):
    f = open(Path(folder) / "log.txt", "a")

    def log(msg):
        print(msg, flush=True)
        f.write(msg + "\n")
        f.flush()

    return log
