"""graphs/checkers"""
