"""`python -m bookings.worker ...`: how the supervisor starts its role processes."""

import sys

from bookings.worker.main import main

if __name__ == "__main__":
    sys.exit(main())
