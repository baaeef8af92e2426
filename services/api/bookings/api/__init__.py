"""The bookings HTTP API (Litestar, msgspec bodies), served by granian."""
