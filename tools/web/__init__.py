"""tools/web"""
