"""Gongdan: the composition root, shared kernel and core domain."""
