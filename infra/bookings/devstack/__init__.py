"""The whole platform on one machine: `./pants run infra:up`."""
