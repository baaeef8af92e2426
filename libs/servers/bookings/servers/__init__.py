"""PostgreSQL and Redis servers run from their installed binaries, and the processes around
them: throwaway ones for tests, lasting ones for the local stack."""
