#!/usr/bin/env python3
"""Checks that the C++ sources fit in a head: no file over MAX_FILE_LINES
lines and no function body over MAX_FUNCTION_LINES lines.

    scripts/check-sizes.py [DIR...]      # default: src fuzz tests bench

A function is a brace block whose head (the text since the previous ';', '{'
or '}') ends like a signature: `...)`, optionally followed by qualifiers,
a trailing return type or a constructor's initializer list, and that is not
a control statement or a lambda (a lambda counts as part of the function it
is written in). Comments and literals are blanked first. Test bodies
(TEST, TEST_F, TEST_P) count as functions too. A function that is a table of
data (a list of SQL migrations, say) says so with a comment
`// check-sizes: table of data` on the line above its head. Exits 1 and lists each
offender; prints the largest of each kind either way.
"""
import pathlib
import re
import sys

MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 80
EXTENSIONS = {".cc", ".h"}
DATA_MARK = "check-sizes: table of data"

CONTROL = re.compile(r"\b(if|for|while|switch|catch|do|else|return)\b[^;{}]*$")
SIGNATURE = re.compile(
    r"\)\s*(const|override|final|noexcept|mutable|volatile|&|&&|\s)*"
    r"(->\s*[\w:<>,\s*&]+)?\s*$"
)
INITIALIZER_LIST = re.compile(r"\)\s*(noexcept\s*)?:\s*[\w:]+\s*[({].*$", re.S)


def blank_comments_and_literals(text):
    """The text with comments, string and char literals replaced by spaces
    (newlines kept), so braces inside them do not count."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith('R"', i) and (i == 0 or not text[i - 1].isalnum()):
            m = re.match(r'R"([^(\s]{0,16})\(', text[i:])
            if not m:
                out.append(c)
                i += 1
                continue
            end = ")" + m.group(1) + '"'
            j = text.find(end, i + m.end())
            j = n if j < 0 else j + len(end)
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c in "\"'":
            if c == "'" and i > 0 and text[i - 1].isalnum() and i + 1 < n and text[i + 1].isalnum():
                out.append(c)  # a digit separator: 1'000
                i += 1
                continue
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(c + " " * (j - i - 2) + c if j - i >= 2 else text[i:j])
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def functions(text):
    """(first line, line count, head) of every outermost function body."""
    clean = blank_comments_and_literals(text)
    found = []
    stack = []  # (is_function, start offset, head) for each open brace
    head_start = 0
    for i, c in enumerate(clean):
        if c == "{":
            head = clean[head_start:i]
            squashed = " ".join(head.split())
            inside_function = any(f for f, _, _ in stack)
            is_function = (
                not inside_function
                and not CONTROL.search(squashed)
                and "]" not in squashed.split("(")[0][-3:]
                and (SIGNATURE.search(squashed) or INITIALIZER_LIST.search(squashed))
                and not squashed.startswith(("namespace", "class", "struct", "enum", "union"))
                and not re.search(r"=\s*$", squashed)
            )
            stack.append((is_function, i, squashed))
            head_start = i + 1
        elif c == "}":
            if stack:
                is_function, start, head = stack.pop()
                if is_function:
                    first = clean.count("\n", 0, start) + 1
                    last = clean.count("\n", 0, i) + 1
                    found.append((first, last - first + 1, head))
            head_start = i + 1
        elif c == ";":
            head_start = i + 1
    return found


def main(argv):
    roots = argv[1:] or ["src", "fuzz", "tests", "bench"]
    problems = []
    biggest_file = (0, "")
    biggest_function = (0, "")
    for root in roots:
        for path in sorted(pathlib.Path(root).rglob("*")):
            if path.suffix not in EXTENSIONS or not path.is_file():
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            raw_lines = text.split("\n")
            lines = text.count("\n")
            biggest_file = max(biggest_file, (lines, str(path)))
            if lines > MAX_FILE_LINES:
                problems.append(f"{path}: {lines} lines (at most {MAX_FILE_LINES})")
            for first, count, head in functions(text):
                above = raw_lines[first - 2] if first >= 2 else ""
                if DATA_MARK in above or DATA_MARK in raw_lines[first - 1]:
                    continue
                where = f"{path}:{first}"
                biggest_function = max(biggest_function, (count, where))
                if count > MAX_FUNCTION_LINES:
                    name = head[-70:]
                    problems.append(
                        f"{where}: a function of {count} lines (at most "
                        f"{MAX_FUNCTION_LINES}): {name}"
                    )
    print(f"largest file: {biggest_file[1]} ({biggest_file[0]} lines); "
          f"longest function: {biggest_function[1]} ({biggest_function[0]} lines)")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
