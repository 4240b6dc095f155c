# scrapyd-deploy builds its egg through setup.py; everything else is in pyproject.toml.
from setuptools import setup

setup()
