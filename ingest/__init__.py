"""Ingestors: fetch bytes over HTTP and parse them into plain records.

This package never imports `kb`: parsers take bytes and return dataclasses,
so each one can be tested from fixture files alone.
"""
