"""`python -m bookings.worker ...`: the worker's command line, as `worker.pex ...` runs it."""

import sys

from bookings.worker.main import main

if __name__ == "__main__":
    sys.exit(main())
