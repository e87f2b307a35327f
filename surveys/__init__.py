"""Survey instruments (WVS-7, IPIP-50) shipped as package data."""
