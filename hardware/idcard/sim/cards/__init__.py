"""Shipped card files for the simulator (written by `make_cards.py`).

A package only so setuptools' `*.json` package-data rule ships them in the wheel.
"""
