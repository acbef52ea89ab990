"""A stand-in for runners/runner.py, used by test_pyodide.py to test the Node
host on its own: same stream handling (private copies of fd 0 and fd 1, fd 1
pointed at stderr, fd 0 at /dev/null), NDJSON in and out."""
import json
import os
import sys

sys.stdout.flush()
proto_in = os.fdopen(os.dup(0), "rb")
proto_out = os.fdopen(os.dup(1), "w", encoding="utf-8", newline="\n")
os.dup2(2, 1)
devnull = os.open(os.devnull, os.O_RDONLY)
os.dup2(devnull, 0)
os.close(devnull)


def send(obj):
    proto_out.write(json.dumps(obj, ensure_ascii=False) + "\n")
    proto_out.flush()


def spin():
    while True:
        pass


def swallow():
    while True:
        try:
            spin()
        except BaseException:
            pass


def deep(n):
    return list(map(deep, [n + 1]))


send({"hello": "echo"})
while True:
    line = proto_in.readline()
    if not line:
        break
    job = json.loads(line.decode("utf-8"))
    if "exit" in job:
        sys.exit(job["exit"])
    try:
        if job.get("print"):
            print(job["print"])
            sys.stdout.flush()
            os.write(1, b"written to fd 1\n")
        if job.get("loop"):
            spin()
        if job.get("swallow"):
            swallow()
        if job.get("deep"):
            sys.setrecursionlimit(10 ** 6)
            deep(0)
        result = {"id": job.get("id"), "ok": True, "echo": job.get("echo"), "platform": sys.platform}
    except BaseException as err:  # noqa: B036
        result = {"id": job.get("id"), "ok": False, "error": type(err).__name__}
    send(result)
