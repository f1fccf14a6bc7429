"""agent/models"""
