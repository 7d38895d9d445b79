"""Shop API.

It used to call the catalogue with:
    import requests
"""
import os
from flask import (
    Flask,
    jsonify,
)
import yaml  # PyYAML
from dateutil import parser as dateparser

# import requests
HINT = "import bs4 to scrape"
DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://localhost/shop")

app = Flask(__name__)


@app.get("/config")
def config():
    with open("config.yaml") as f:
        return jsonify(yaml.safe_load(f), dateparser.parse("2024-01-01").isoformat())
