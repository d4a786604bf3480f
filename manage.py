#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mgstudio.settings")
    from django.core.management import execute_from_command_line

    from mgstudio.data_dirs import ensure_data_dirs

    ensure_data_dirs()
    execute_from_command_line(sys.argv)
