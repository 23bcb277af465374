"""Crafted submissions for the grader's tests, made from the solved lesson 1 (see crafted.py).

No notebook is stored here: the tests write them to a temporary folder (a broken
notebook in tests/ would be collected and run by nbval).
"""
