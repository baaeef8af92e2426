"""PostgreSQL storage of bookings (SQLAlchemy 2 Core, psycopg 3): tables, repository, unit of work."""
