"""Carry out the actions policies decide on: each action type has one executor function."""
