"""Runnable studies (the paper's WVS and Big-Five experiments); each exposes ``main(seed, n, ...)``."""
