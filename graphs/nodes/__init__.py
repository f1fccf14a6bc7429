"""graphs/nodes"""
