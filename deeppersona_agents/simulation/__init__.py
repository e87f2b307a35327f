"""Survey simulation: instruments (WVS-7, IPIP-50) answered by persona agents, then scored."""

from deeppersona_agents.simulation.instruments import Instrument, Item, load_instrument, parse_answer, trait_scores

__all__ = ["Instrument", "Item", "load_instrument", "parse_answer", "trait_scores"]
