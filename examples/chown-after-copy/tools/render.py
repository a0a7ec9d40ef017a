"""Renders site/index.html from a status word."""
import sys

import dfopt_hello

TEMPLATE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Status</title></head>
<body><h1>{greeting}: {status}</h1></body>
</html>
"""

if __name__ == "__main__":
    status = sys.argv[1] if len(sys.argv) > 1 else "all systems nominal"
    with open("site/index.html", "w") as f:
        f.write(TEMPLATE.format(greeting=dfopt_hello.greet().capitalize(), status=status))
