"""The project's spiders: thin link discovery around crawler.extract."""
