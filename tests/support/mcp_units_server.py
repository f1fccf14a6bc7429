"""A real MCP server on stdio (the ``mcp`` SDK's FastMCP) for the tool tests."""

from mcp.server.fastmcp import FastMCP

server = FastMCP("units")


@server.tool()
def miles_to_km(miles: float) -> str:
    """Convert a distance in miles to kilometres."""
    return f"{miles * 1.609344:.3f} km"


@server.tool()
def fail_always(reason: str) -> str:
    """A tool that always fails."""
    raise ValueError(f"failed on purpose: {reason}")


if __name__ == "__main__":
    server.run()
