"""Many crawler processes, one crawl: scrapy-redis underneath, switched on by REDIS_URL."""
