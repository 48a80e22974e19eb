"""Marshmallow schemas of the API: request bodies (requests.py) and answers (views.py)."""
