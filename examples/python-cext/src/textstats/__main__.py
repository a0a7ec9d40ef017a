"""python3 -m textstats [--version | WORD...]: the word count and hash of
the arguments, or of standard input when there are none."""

import sys

import textstats


def main(args):
    if args == ["--version"]:
        print("textstats", textstats.__version__, "with", textstats._speedups.__name__)
        return 0
    text = " ".join(args) if args else sys.stdin.read()
    words, digest = textstats.stats(text)
    print(f"{words} words, fnv1a {digest:016x}")
    return 0


sys.exit(main(sys.argv[1:]))
