"""``python -m cookbook [page ...]``: run the cookbook against a throwaway PostgreSQL."""

import os
import sys

import django


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cookbook.settings")
    django.setup()
    from cookbook import runner

    return runner.main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
