/* cli.c - see cli.h. */
#include "cli.h"

#include <errno.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plan.h"
#include "term.h"
#include "shard.h"
#include "util.h"

static const char usage_main[] =
    "usage: pyconform COMMAND [OPTIONS]\n"
    "\n"
    "Conformance suite and differential harness for Python scope semantics.\n"
    "\n"
    "commands:\n"
    "  run [CASE_FILES...]   run cases on every interpreter, source and desugared,\n"
    "                        compare, and write reports/latest.json\n"
    "  bless [CASE_FILES...] run, then record the observations in expected/\n"
    "  plan [CASE_FILES...]  print the jobs run would send (--json: one job line each,\n"
    "                        to replay by hand against runners/runner.py); runs nothing\n"
    "  interpreters          list discovered interpreters and their probes\n"
    "  provision [NAME...]   install extra builds (PyPy, debug, newer CPython, Pyodide)\n"
    "  changes [CASE_FILES...]  print \"what changes where\" (Markdown) from expected/\n"
    "  desugar FILE|-        print our desugarer's translation of a Python file\n"
    "  check-desugar [CASE_FILES...]  compare a desugarer's output with the cases' `=`\n"
    "  html REPORT [-o FILE] a saved report as one self-contained HTML page\n"
    "  junit REPORT [-o FILE]  a saved report as JUnit XML (for CI test reporters)\n"
    "  diff OLD.json NEW.json  what changed between two saved reports\n"
    "  merge -o OUT SHARD.json...  the reports of `run --shard K/N` combined into one\n"
    "  bisect CASE_FILE BLOCK FUNCTION  where a function's observation changes across\n"
    "                        builds; --git REPO: the first bad commit of a desugarer or\n"
    "                        an interpreter\n"
    "  reduce CASE_FILE BLOCK [FUNCTION]  shrink a block while it fails the same way\n"
    "  help [COMMAND]        show help\n"
    "  version               print the version\n"
    "\n"
    "exit status: 0 every verdict as expected, 1 some verdict unexpected,\n"
    "2 usage, input or harness error.  `pyconform COMMAND --help` for options.\n";

static const char usage_run_opts[] =
    "options:\n"
    "  --interp PATTERN   interpreters to use: a name or glob on the name or version\n"
    "                     (e.g. 'cpython-3.13*', '3.8.*'); repeatable; default: all\n"
    "                     supported interpreters; a build that cannot be probed runs (as\n"
    "                     ERROR) when configured or named here exactly\n"
    "  --tag TAG          only interpreters with this tag (repeatable: any of them), e.g.\n"
    "                     debug, ft, wasm, pypy, cpython, provisioned, or a configured tag\n"
    "  --config FILE      extra interpreters: {\"interpreters\": [{\"name\", \"argv\", \"env\",\n"
    "                     \"tags\"}]} (default $PYCONFORM_CONFIG, else\n"
    "                     ~/.config/pyconform/interpreters.json when it exists)\n"
    "  --cache DIR        cache folder: provisioned builds in DIR/interpreters, probes in\n"
    "                     DIR/probes.json (default $PYCONFORM_CACHE, else ~/.cache/pyconform)\n"
    "  -j, --jobs N       interpreters run in parallel (default: number of cores;\n"
    "                     measured: more slots than cores can be faster, but Pyodide\n"
    "                     start-ups then miss --startup-timeout on a loaded machine)\n"
    "  --timeout SECONDS  per-job timeout (default 10)\n"
    "  --mode MODE        source, desugared or both (default both)\n"
    "  --root DIR         data root: runners, cases, expected (default: $PYCONFORM_ROOT,\n"
    "                     else PREFIX/share/pyconform when installed, else the source tree)\n"
    "  --cases DIR        where case files are found (default ROOT/cases, *.case)\n"
    "  --expected DIR     expectations (default ROOT/expected)\n"
    "  --reports DIR      report output (default ROOT/reports; ./reports when installed)\n"
    "  --runners DIR      runner scripts (default ROOT/runners)\n"
    "  --details N        unexpected results printed in full (default 40)\n"
    "  --desugarer CMD    translate every case with CMD (source on stdin, translation on\n"
    "                     stdout; run with /bin/sh -c) instead of the `=` sections and our\n"
    "                     desugarer; a failing CMD or output that does not compile is ERROR\n"
    "  --python CMD       the interpreter that runs our desugarer (default $PYCONFORM_PYTHON,\n"
    "                     else python3)\n"
    "  --conservative     our desugarer keeps classes it is not sure of as `class`\n"
    "                     statements (modules with frame introspection, super()/__class__,\n"
    "                     private names, global/nonlocal in a class body): for real code;\n"
    "                     the report's run.conservative says so\n"
    "  --startup-timeout SECONDS  for a runner to start and say hello, and for probing\n"
    "                     an interpreter (default 30); a runner that will not start gives\n"
    "                     ERROR for all its interpreter's jobs at once\n"
    "  --max-output BYTES stdout kept per call (default 1M); the rest is counted, dropped\n"
    "                     and recorded as \"truncated\" (suffixes K, M, G)\n"
    "  --keep-reports N   timestamped reports kept in the reports folder, the newest\n"
    "                     (default 10; 0 keeps all); latest.json is always written\n"
    "  --max-memory BYTES address space per job on builds with fork (default 4G, 0: no\n"
    "                     limit); an allocation beyond it raises MemoryError\n"
    "  --isolation job|shared  job (default): on builds with fork, every job runs in a\n"
    "                     process of its own, so nothing a case does reaches another job;\n"
    "                     shared: a runner's jobs run in its own process, which puts back\n"
    "                     the state it relies on after each job, as on Pyodide (faster;\n"
    "                     threads, signal handlers, fds and changes inside modules are not\n"
    "                     put back, and --max-memory limits the runner, not the job;\n"
    "                     on PyPy, key orders then depend on earlier jobs)\n"
    "  --html FILE        also write the report as an HTML page (as `pyconform html`)\n"
    "  --junit FILE       also write the report as JUnit XML to FILE (as `pyconform junit`)\n"
    "  --shard K/N        run only shard K of N (K from 1): a slice of the planned jobs\n"
    "                     chosen by a hash of case file, block and build (both modes of a\n"
    "                     block on a build together), the same on every machine; the\n"
    "                     report records K/N and the plan's fingerprint; combine the N\n"
    "                     reports with `pyconform merge` (run only; bless refuses it)\n"
    "  -k, --filter REGEX only the case functions whose \"case / function\" matches REGEX\n"
    "                     (POSIX extended; repeatable: any of them; default\n"
    "                     $PYCONFORM_FILTER); blocks still run whole, only the selected\n"
    "                     functions are judged and reported\n"
    "  --filter-out REGEX leave out the matching ones (repeatable; default\n"
    "                     $PYCONFORM_FILTER_OUT)\n"
    "  --last-failed, --lf  only what was unexpected in REPORTS/latest.json\n"
    "  --max-failures N   stop after N unexpected results: the runners are stopped, the\n"
    "                     jobs not finished are NOT-RUN and the report says the run was\n"
    "                     cut short (a case is judged when its last job has arrived)\n"
    "  --durations N      print the N slowest jobs at the end\n"
    "  --retries N        rerun a job that gave an unexpected result in a fresh runner,\n"
    "                     up to N times (N from 0 to 100; default 0), after the run; a\n"
    "                     result that changes between attempts is FLAKY, one that is the\n"
    "                     same every time keeps its verdict; every attempt is in the\n"
    "                     report (run only: bless refuses it)\n"
    "  --allow-flaky      FLAKY results count as expected (exit 0 when nothing else is\n"
    "                     unexpected); harmless without --retries, where nothing is FLAKY\n"
    "                     (run only)\n"
    "  --color WHEN       colour verdicts: auto (default: on a terminal, unless NO_COLOR\n"
    "                     is set), always or never\n"
    "  --bisect-exit      for `git bisect run`: a harness failure (exit 2) or a build or\n"
    "                     desugarer that fails (any ERROR verdict) exits 125, \"skip\"\n"
    "  -q, --quiet        no table and no progress, only the summary line\n"
    "  -h, --help         this help\n"
    "\n"
    "progress: on a terminal, one line redrawn as results arrive (jobs done, builds\n"
    "running, unexpected so far, time elapsed and left); otherwise a line per build\n"
    "as it finishes.\n";

static const char usage_run[] =
    "usage: pyconform run [OPTIONS] [CASE_FILES...]\n"
    "\n"
    "Run every case block on every selected interpreter, in source form and (where the\n"
    "block has a `=` translation) desugared; compare desugared with source, each build\n"
    "with expected/, and builds with each other; write reports/latest.json and a\n"
    "timestamped copy; print a table and a summary. Default case files: ROOT/cases/*.case.\n"
    "Exit 0 when every verdict is as expected, 1 otherwise, 2 on usage or input errors.\n"
    "\n";

static const char usage_bless[] =
    "usage: pyconform bless [OPTIONS] [CASE_FILES...]\n"
    "\n"
    "Run like `pyconform run`, then write the observations into expected/ for review in\n"
    "git. Functions whose results were all as expected are left untouched; others are\n"
    "regenerated per build class and version range, keeping existing reasons. A new\n"
    "divergence of the desugared run is recorded with \"divergence\": null: write the\n"
    "reason there, or it stays DIVERGE.\n"
    "\n";

static const char usage_interps[] =
    "usage: pyconform interpreters [--json] [--interp PATTERN] [--tag TAG] [--config FILE]\n"
    "                              [--cache DIR] [--root DIR]\n"
    "\n"
    "List the registry: configured builds (--config), provisioned builds (CACHE/interpreters,\n"
    "see `pyconform provision`) and discovered ones (pyenv versions, python3.N and pypy3 on\n"
    "PATH, /usr/bin/python3*), each probed once (cached) for implementation, version, debug,\n"
    "free-threaded, GIL and wasm. Versions below 3.8 are listed as unsupported, never run.\n"
    "\n"
    "options:\n"
    "  --json            print the registry as JSON\n"
    "  --interp PATTERN  mark matching interpreters as selected\n"
    "  --tag TAG         mark interpreters with this tag as selected\n"
    "  --config FILE     extra interpreters (see `pyconform run --help`)\n"
    "  --cache DIR       cache folder (default ~/.cache/pyconform)\n"
    "  --root DIR        project root (for runners/probe.py)\n"
    "  -h, --help        this help\n";

static const char usage_plan[] =
    "usage: pyconform plan [--json] [--interp PATTERN] [--tag TAG] [--mode MODE]\n"
    "                      [--desugarer CMD] [OPTIONS] [CASE_FILES...]\n"
    "\n"
    "Load the cases and the registry as `run` does, plan the jobs (case block x\n"
    "interpreter x mode) and print them without running any. Default: a table, one line\n"
    "per job (interpreter, case, mode, the number of functions expected/ records for that\n"
    "build, '-' when none, and why the job is not run when it is not), then a count.\n"
    "\n"
    "With --json, NDJSON, one object per job:\n"
    "  {\"interp\": NAME, \"argv\": [...], \"env\": [...], \"job\": JOB}\n"
    "and \"skip\": REASON or \"error\": PROBLEM for a job run would not send. argv is the\n"
    "build's command with runners/runner.py appended, env the variables the harness sets\n"
    "on top of its own environment, and JOB the exact job line (docs/protocol.md). To\n"
    "replay one job by hand:\n"
    "  pyconform plan --json --interp NAME FILE.case | head -1 > job.json\n"
    "  env $(jq -r '.env[]' job.json) $(jq -r '.argv[]' job.json) \\\n"
    "      <<< \"$(jq -c .job job.json)\"\n"
    "\n"
    "options:\n"
    "  --json             NDJSON instead of the table\n"
    "  --interp, --tag, --mode, --desugarer, --python, --config, --cache, --root,\n"
    "  --cases, --expected, --runners: as for `run` (see `pyconform run --help`)\n"
    "  --timeout, --max-output, --max-memory: the limits written into each job line\n"
    "  --isolation shared: adds the variable that asks the runner for it to env\n"
    "  --shard K/N: only the jobs of shard K of N (as `run --shard`), and a line naming\n"
    "  the shard, its share of the whole plan and the plan's fingerprint\n"
    "  Run's other options are accepted and have no effect.\n"
    "  -h, --help         this help\n"
    "\n"
    "exit status: 0 planned, 2 usage or input errors (no interpreter matching included).\n";

static const char usage_provision[] =
    "usage: pyconform provision [--list] [--all] [--force] [--cache DIR] [NAME|GLOB...]\n"
    "\n"
    "Install interpreter builds described in ROOT/provision/recipes.json into\n"
    "CACHE/interpreters/NAME (default cache ~/.cache/pyconform, or $PYCONFORM_CACHE):\n"
    "Debian packages (pypy3, python3.11-dbg), newer CPython unpacked privately from\n"
    "Debian unstable, Pyodide from npm, and (only when named, or with --all) CPython\n"
    "built from source. Idempotent and resumable; one log per build in CACHE/logs/NAME.log;\n"
    "each build is run once (probed) after install. Without names: every recipe that is\n"
    "not explicit-only. Provisioned builds join the registry (`pyconform interpreters`).\n"
    "The system's apt sources are never changed.\n"
    "\n"
    "options:\n"
    "  --list       show what can be provisioned and what already is\n"
    "  --all        include explicit-only recipes (source builds, minutes each)\n"
    "  --force      start the selected builds again from scratch\n"
    "  --cache DIR  cache folder\n"
    "  --root DIR   project root\n"
    "  -h, --help   this help\n"
    "\n"
    "exit status: 0 every selected build installed and verified, 1 some did not, 2 usage\n"
    "or input errors.\n";

static const char usage_changes[] =
    "usage: pyconform changes [--output FILE | --check] [--expected DIR] [--root DIR]\n"
    "                         [CASE_FILES...]\n"
    "\n"
    "Write the \"what changes where\" table for people porting code: for every case function\n"
    "whose expected outcome differs between builds, the groups of builds, what each does and\n"
    "the recorded reason; then the known divergences of the desugared translation. Reads\n"
    "expected/ only (runs nothing). Default output: standard output. docs/changes.md is this\n"
    "command's output for the whole corpus (a test checks it is current).\n"
    "With --check, print nothing but the rows that lack a written reason and exit 1 when\n"
    "there are any (every difference between builds must say why).\n";

static const char usage_desugar[] =
    "usage: pyconform desugar [--conservative] [--python CMD] [--root DIR] FILE|-\n"
    "\n"
    "Print the translation of a Python file (or standard input) by pyconform's desugarer\n"
    "(host/desugar.py), in the conventions of the seed case. Constructs it leaves as\n"
    "they were are listed on standard error as `untranslated: LINE: CONSTRUCT`.\n"
    "--conservative keeps the classes it is not sure of as `class` statements.\n"
    "Exit status: 0 translated, 2 unreadable or unparsable input.\n";

static const char usage_check_desugar[] =
    "usage: pyconform check-desugar [--desugarer CMD] [--python CMD] [--root DIR]\n"
    "                               [CASE_FILES...]\n"
    "\n"
    "Translate the source of every case block that has a `=` section, with our desugarer\n"
    "or --desugarer CMD, and compare the output with that section: byte-equal and\n"
    "AST-equal are reported separately, with a unified diff for each mismatch.\n"
    "Exit status: 0 when every output is equal to its `=` section, 1 otherwise, 2 on\n"
    "usage or input errors.\n";

static const char usage_html[] =
    "usage: pyconform html REPORT [-o FILE]\n"
    "\n"
    "Write a saved report (schema 2, e.g. reports/latest.json) as one self-contained HTML\n"
    "page: no network, inline CSS and script, opens from file://. It shows a summary of\n"
    "the run; a matrix of case functions x builds (builds ordered by implementation and\n"
    "version, a source and a desugared cell each, coloured by verdict; the same letter in\n"
    "a row means the same observation); per function the builds that observed the same\n"
    "(\"cpython 3.8-3.12 | cpython 3.13+\"); filters (only unexpected, only functions whose\n"
    "builds differ, search on case / function); and, for a clicked cell, the observation,\n"
    "the expected value, the diff and the reason. `pyconform run --html FILE` writes the\n"
    "same page at the end of a run.\n"
    "\n"
    "options:\n"
    "  -o, --output FILE  write the page to FILE (default: standard output)\n"
    "  -h, --help         this help\n"
    "\n"
    "exit status: 0 written, 2 usage error or bad input (a missing or unreadable file,\n"
    "JSON that does not parse, not a pyconform report, another schema_version).\n";
static const char usage_junit[] =
    "usage: pyconform junit REPORT [-o FILE]\n"
    "\n"
    "Write a saved report (schema 2, e.g. reports/latest.json) as JUnit XML, as the test\n"
    "reporters of Jenkins, GitLab and GitHub read it: one <testsuite> per build x mode,\n"
    "one <testcase> per case function named \"case / function\". FAIL, XPASS and DIVERGE\n"
    "are <failure>, TIMEOUT, CRASH, ERROR and NOT-RUN <error>, SKIP and XFAIL <skipped>,\n"
    "each with the verdict, the reason and the first differing path with both values;\n"
    "times are the measured durations. `run --junit FILE` writes the same file.\n"
    "\n"
    "options:\n"
    "  -o, --output FILE  write FILE (through FILE.tmp) instead of standard output\n"
    "  -h, --help         this help\n"
    "\n"
    "exit status: 0 written, 2 usage errors or a report that cannot be read (missing,\n"
    "truncated, not a pyconform report, schema 1).\n";

static const char usage_bisect[] =
    "usage: pyconform bisect [OPTIONS] CASE_FILE BLOCK FUNCTION\n"
    "       pyconform bisect --git REPO --good REV --bad REV (--desugarer CMD |\n"
    "                        --interp-argv 'ARGV...') [--build CMD] [-k FUNCTION]...\n"
    "                        [--unexpected] [OPTIONS] [CASE_FILES...]\n"
    "\n"
    "Across builds: run BLOCK of CASE_FILE on the selected builds (--interp, --tag;\n"
    "default all), order them by implementation and traits (cpython, cpython+debug,\n"
    "cpython+wasm, pypy, ...) then version, and print every boundary where FUNCTION's\n"
    "observation (or verdict) changes: the last build before, the first after, both\n"
    "observations and the first differing path. --mode source (default) or desugared.\n"
    "With --provision: the Pyodide releases npm lists (`npm view pyodide versions`; npm's\n"
    "registry setting applies) instead, installed or not: the installed ones and both\n"
    "ends are tried, then, by binary search, the releases between two that differ; a\n"
    "release not installed is provisioned when the search needs it (as `pyconform\n"
    "provision` does: CACHE/interpreters, one log each), and kept. It prints each release\n"
    "tried, in order, and which were downloaded; a release that cannot be installed or\n"
    "run is skipped (a skipped end: the next release inwards is taken).\n"
    "--points debian: over the python3.X packages (exact Debian versions) that the\n"
    "Debian suites of --suites offer, read from each suite's index by a private apt-get\n"
    "update (CACHE/debian-lists; PYCONFORM_APT_SOURCE replaces the mirror, {suite} in it\n"
    "standing for the suite) and ordered by version (3.13.5-2 is CPython 3.13.5); a\n"
    "point is provisioned with deb-private when the search needs it\n"
    "(CACHE/interpreters/debian-python3.X-VERSION; a deb-private build of that version\n"
    "already in the cache counts as installed). A suite that cannot be read is left out;\n"
    "none at all is an error. --points all: the Pyodide line, then the Debian line (run\n"
    "even when the Pyodide releases cannot be listed; the exit status is then 2).\n"
    "\n"
    "Across commits (--git): bisect the commits GOOD..BAD of REPO. Each commit is checked\n"
    "out in a private clone (REPO itself is only read: no checkout, no worktree, nothing\n"
    "left behind, also after SIGINT); --build CMD runs there first (/bin/sh -c, in the\n"
    "checkout); then the cases (CASE_FILES, default ROOT/cases/*.case) run with\n"
    "--desugarer CMD, or on the interpreter --interp-argv ARGV (split on spaces);\n"
    "{worktree} in CMD and ARGV is the checkout's path. A commit is bad when the selected\n"
    "functions (-k NAME, repeatable; default all) do not have the same verdicts and\n"
    "observations as at GOOD; with --unexpected, when any of them is unexpected. A commit\n"
    "whose build fails, whose desugarer fails on every block or whose interpreter does\n"
    "not start is skipped (as exit 125 in `git bisect run`). Prints the commits tried,\n"
    "the first bad commit (hash, subject), the observation diff there, and the commits\n"
    "skipped.\n"
    "\n"
    "options:\n"
    "  --git REPO, --good REV, --bad REV  the repository and the two ends\n"
    "  --desugarer CMD    the desugarer at each commit (source on stdin)\n"
    "  --interp-argv ARGV the interpreter at each commit, instead of --desugarer\n"
    "  --build CMD        run in the checkout before the cases; failure skips the commit\n"
    "  -k FUNCTION        only these case functions decide (repeatable)\n"
    "  --unexpected       bad means any unexpected verdict, not \"differs from GOOD\"\n"
    "  --provision        across builds: over releases not installed yet (see above)\n"
    "  --points KIND      what --provision goes over: pyodide (default), debian, all\n"
    "                     (implies --provision)\n"
    "  --suites S1,S2,... the suites of --points debian (default\n"
    "                     oldstable,stable,testing,unstable)\n"
    "  --interp, --tag, --mode, -j, --timeout, --startup-timeout, --python, --cache,\n"
    "  --config, --root, --expected, --runners, --max-output, --max-memory, --isolation:\n"
    "  as for `run`\n"
    "  -h, --help         this help\n"
    "\n"
    "exit status: 0 a result (a boundary, a first bad commit) or \"no change found\",\n"
    "2 usage or input errors (unknown block or function, not a git repository, a GOOD\n"
    "that is already bad, a revision that cannot be tested, an unknown --points kind, no\n"
    "Debian source reachable), 130/143/129 interrupted.\n";

static const char usage_reduce[] =
    "usage: pyconform reduce [OPTIONS] CASE_FILE BLOCK [FUNCTION]\n"
    "\n"
    "Shrink BLOCK while it stays interesting in the same way on the same builds: the\n"
    "first unexpected verdict of FUNCTION (default: of the block's first function that\n"
    "has one) among FAIL, DIVERGE, CRASH and TIMEOUT, with the same builds and modes and\n"
    "(FAIL, DIVERGE) the same first differing path; when there is none, a split between\n"
    "builds: the builds keep the same groups of equal observations, differing at the same\n"
    "path. Desugared runs use the candidate's own translation (our desugarer, or\n"
    "--desugarer CMD), never the block's `=` text. Candidates come from host/reduce.py:\n"
    "AST passes (delete statements, functions and classes, bodies to `pass`, drop\n"
    "decorators, arguments, annotations and defaults, inline constants, shorten names),\n"
    "then line passes; every candidate parses. Each round runs all its candidates as\n"
    "blocks of one trial on the warm runners, keeps the smallest interesting one and\n"
    "starts again, until no candidate is interesting or --budget runs out. The same input\n"
    "gives the same output. Prints the reduced block in the case format (with its `=`\n"
    "translation for a DIVERGE), ready for cases/.\n"
    "\n"
    "options:\n"
    "  -o, --output FILE  write the reduced block to FILE (default: standard output)\n"
    "  --budget SECONDS   stop after this long with the best block so far (default 300)\n"
    "  --interp, --tag, --mode (default both), --desugarer, -j, --timeout, --python,\n"
    "  --startup-timeout, --cache, --config, --root, --expected, --runners,\n"
    "  --isolation: as for `run`\n"
    "  -h, --help         this help\n"
    "\n"
    "exit status: 0 reduced (or already minimal), 2 usage or input errors, or nothing\n"
    "interesting to keep (no unexpected verdict and no split between the builds).\n";

static const char usage_diff[] =
    "usage: pyconform diff [--json] OLD.json NEW.json\n"
    "\n"
    "Compare two saved reports (schema 2), e.g. last night's run with today's, or two\n"
    "desugarer revisions. Results are matched by case, function, build and mode and\n"
    "listed by case function: newly unexpected (unexpected in NEW, as expected or absent\n"
    "in OLD), newly as expected, verdict changed (FAIL -> CRASH), observation changed\n"
    "(same verdict, other observation, with the first differing path); then the builds,\n"
    "cases and functions added or removed.\n"
    "\n"
    "options:\n"
    "  --json      print the comparison as one JSON object\n"
    "  -h, --help  this help\n"
    "\n"
    "exit status: 1 when anything is newly unexpected, 0 otherwise, 2 for usage errors or a\n"
    "report that cannot be read (missing, truncated, not a pyconform report, schema 1).\n";

static const char usage_merge[] =
    "usage: pyconform merge -o OUT SHARD.json...\n"
    "\n"
    "Combine the reports of `pyconform run --shard K/N` (K = 1..N, one report each, from\n"
    "any machines) into one report, the one an unsharded run of the same plan writes:\n"
    "the same jobs, rows, observations, verdicts and summary, in the same order, with\n"
    "the cross-build groups computed again from every build's observations. Only\n"
    "timings, host and the run's own fields (started, command, peak_rss) differ; run\n"
    "records \"merged\" (how many shards) instead of \"shard\". The output is a report\n"
    "like any other: `pyconform junit`, `html` and `diff` read it.\n"
    "\n"
    "Refused (exit 2, nothing written): a report that is not a shard (no run.shard), shards\n"
    "of different plans (their run.plan_fingerprint differs) or of different N, a shard\n"
    "given twice, missing shards (the K values absent are named), and any report that\n"
    "cannot be read (missing, truncated, not a pyconform report, schema 1).\n"
    "\n"
    "options:\n"
    "  -o, --output OUT   the merged report (written through OUT.tmp, then renamed)\n"
    "  -h, --help         this help\n"
    "\n"
    "exit status: 0 merged and every verdict as expected, 1 merged with unexpected\n"
    "verdicts (as `run`), 2 usage errors or shards that cannot be merged.\n";

void pc_cli_help(FILE *out, pc_command cmd)
{
    switch (cmd) {
    case PC_CMD_MERGE:
        fputs(usage_merge, out);
        break;
    case PC_CMD_HTML:
        fputs(usage_html, out);
        break;
    case PC_CMD_JUNIT:
        fputs(usage_junit, out);
        break;
    case PC_CMD_DIFF:
        fputs(usage_diff, out);
        break;
    case PC_CMD_BISECT:
        fputs(usage_bisect, out);
        break;
    case PC_CMD_REDUCE:
        fputs(usage_reduce, out);
        break;
    case PC_CMD_DESUGAR:
        fputs(usage_desugar, out);
        break;
    case PC_CMD_CHECK_DESUGAR:
        fputs(usage_check_desugar, out);
        break;
    case PC_CMD_CHANGES:
        fputs(usage_changes, out);
        break;
    case PC_CMD_PROVISION:
        fputs(usage_provision, out);
        break;
    case PC_CMD_RUN:
        fputs(usage_run, out);
        fputs(usage_run_opts, out);
        break;
    case PC_CMD_BLESS:
        fputs(usage_bless, out);
        fputs(usage_run_opts, out);
        break;
    case PC_CMD_INTERPRETERS:
        fputs(usage_interps, out);
        break;
    case PC_CMD_PLAN:
        fputs(usage_plan, out);
        break;
    default:
        fputs(usage_main, out);
    }
}

static int parse_int(const char *opt, const char *v, int lo, int hi, int *out, pc_error *err)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (!*v || *end || n < lo || n > hi)
        return pc_fail(err, "%s: expected a whole number from %d to %d, got '%s'", opt, lo, hi, v);
    *out = (int)n;
    return 0;
}

/* A byte count: digits with an optional K, M or G suffix (powers of 1024). */
static int parse_bytes(const char *opt, const char *v, size_t *out, pc_error *err)
{
    char *end;
    unsigned long long n, mult = 1;
    errno = 0;
    n = strtoull(v, &end, 10);
    if (*end == 'K' || *end == 'k')
        mult = 1ull << 10, end++;
    else if (*end == 'M' || *end == 'm')
        mult = 1ull << 20, end++;
    else if (*end == 'G' || *end == 'g')
        mult = 1ull << 30, end++;
    if (!*v || *v == '-' || *end || errno || n > (1ull << 50) / mult)
        return pc_fail(err, "%s: expected a byte count such as 4096, 64K, 1M or 4G, got '%s'", opt,
                       v);
    *out = (size_t)(n * mult);
    return 0;
}

static int parse_seconds(const char *opt, const char *v, double *out, pc_error *err)
{
    char *end;
    double d = strtod(v, &end);
    if (!*v || *end || !(d > 0) || d > 86400)
        return pc_fail(err, "%s: expected seconds (> 0), got '%s'", opt, v);
    *out = d;
    return 0;
}

/* Option value: "--opt=value" or the next argument. */
static const char *value_of(int argc, char **argv, int *i, const char *arg, size_t namelen,
                            pc_error *err)
{
    if (arg[namelen] == '=')
        return arg + namelen + 1;
    if (*i + 1 >= argc) {
        pc_fail(err, "%.*s: missing value", (int)namelen, arg);
        return NULL;
    }
    return argv[++*i];
}

static bool is_opt(const char *arg, const char *name)
{
    size_t l = strlen(name);
    return strncmp(arg, name, l) == 0 && (arg[l] == '\0' || arg[l] == '=');
}

int pc_cli_parse(int argc, char **argv, pc_options *o, pc_error *err)
{
    const char *cmd;
    int i;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    memset(o, 0, sizeof *o);
    o->parallel = ncpu > 0 ? (int)ncpu : 1; /* measured: README, "Choosing -j" */
    o->timeout = 10;
    o->startup_timeout = 30;
    o->max_output = 1u << 20;
    o->max_memory = (size_t)4 << 30;
    o->keep_reports = 10;
    o->modes = PC_MODES_ALL;
    o->max_details = 40;
    o->files = calloc((size_t)argc + 1, sizeof *o->files);
    o->interps = calloc((size_t)argc + 1, sizeof *o->interps);
    o->tags = calloc((size_t)argc + 1, sizeof *o->tags);
    o->filters = calloc((size_t)argc + 1, sizeof *o->filters);
    o->filters_out = calloc((size_t)argc + 1, sizeof *o->filters_out);
    o->keys = calloc((size_t)argc + 1, sizeof *o->keys);
    if (!o->files || !o->interps || !o->tags || !o->filters || !o->filters_out || !o->keys)
        return pc_oom(err);
    if (argc < 2) {
        o->cmd = PC_CMD_HELP;
        return 0;
    }
    cmd = argv[1];
    if (!strcmp(cmd, "run"))
        o->cmd = PC_CMD_RUN;
    else if (!strcmp(cmd, "bless"))
        o->cmd = PC_CMD_BLESS;
    else if (!strcmp(cmd, "interpreters"))
        o->cmd = PC_CMD_INTERPRETERS;
    else if (!strcmp(cmd, "provision"))
        o->cmd = PC_CMD_PROVISION;
    else if (!strcmp(cmd, "changes"))
        o->cmd = PC_CMD_CHANGES;
    else if (!strcmp(cmd, "desugar"))
        o->cmd = PC_CMD_DESUGAR;
    else if (!strcmp(cmd, "check-desugar"))
        o->cmd = PC_CMD_CHECK_DESUGAR;
    else if (!strcmp(cmd, "plan"))
        o->cmd = PC_CMD_PLAN;
    else if (!strcmp(cmd, "html"))
        o->cmd = PC_CMD_HTML;
    else if (!strcmp(cmd, "junit"))
        o->cmd = PC_CMD_JUNIT;
    else if (!strcmp(cmd, "diff"))
        o->cmd = PC_CMD_DIFF;
    else if (!strcmp(cmd, "merge"))
        o->cmd = PC_CMD_MERGE;
    else if (!strcmp(cmd, "bisect"))
        o->cmd = PC_CMD_BISECT;
    else if (!strcmp(cmd, "reduce"))
        o->cmd = PC_CMD_REDUCE;
    else if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        o->cmd = PC_CMD_VERSION;
        return 0;
    } else if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        o->cmd = PC_CMD_HELP;
        if (argc > 2) {
            if (!strcmp(argv[2], "run"))
                o->cmd = PC_CMD_RUN;
            else if (!strcmp(argv[2], "bless"))
                o->cmd = PC_CMD_BLESS;
            else if (!strcmp(argv[2], "interpreters"))
                o->cmd = PC_CMD_INTERPRETERS;
            else if (!strcmp(argv[2], "provision"))
                o->cmd = PC_CMD_PROVISION;
            else if (!strcmp(argv[2], "changes"))
                o->cmd = PC_CMD_CHANGES;
            else if (!strcmp(argv[2], "desugar"))
                o->cmd = PC_CMD_DESUGAR;
            else if (!strcmp(argv[2], "check-desugar"))
                o->cmd = PC_CMD_CHECK_DESUGAR;
            else if (!strcmp(argv[2], "plan"))
                o->cmd = PC_CMD_PLAN;
            else if (!strcmp(argv[2], "html"))
                o->cmd = PC_CMD_HTML;
            else if (!strcmp(argv[2], "junit"))
                o->cmd = PC_CMD_JUNIT;
            else if (!strcmp(argv[2], "diff"))
                o->cmd = PC_CMD_DIFF;
            else if (!strcmp(argv[2], "merge"))
                o->cmd = PC_CMD_MERGE;
            else if (!strcmp(argv[2], "bisect"))
                o->cmd = PC_CMD_BISECT;
            else if (!strcmp(argv[2], "reduce"))
                o->cmd = PC_CMD_REDUCE;
            o->help = true;
        }
        return 0;
    } else
        return pc_fail(err, "unknown command '%s'", cmd);

    for (i = 2; i < argc; i++) {
        const char *a = argv[i], *v;
        bool takes_files = o->cmd == PC_CMD_RUN || o->cmd == PC_CMD_BLESS ||
                           o->cmd == PC_CMD_CHANGES || o->cmd == PC_CMD_CHECK_DESUGAR ||
                           o->cmd == PC_CMD_PLAN || o->cmd == PC_CMD_BISECT ||
                           o->cmd == PC_CMD_REDUCE;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            o->help = true;
        } else if (is_opt(a, "--interp")) {
            if (!(v = value_of(argc, argv, &i, a, 8, err)))
                return -1;
            o->interps[o->ninterps++] = (char *)v;
        } else if (is_opt(a, "--tag")) {
            if (!(v = value_of(argc, argv, &i, a, 5, err)))
                return -1;
            o->tags[o->ntags++] = (char *)v;
        } else if (is_opt(a, "--cache")) {
            if (!(o->cache = value_of(argc, argv, &i, a, 7, err)))
                return -1;
        } else if (is_opt(a, "--config")) {
            if (!(o->config = value_of(argc, argv, &i, a, 8, err)))
                return -1;
        } else if (!strcmp(a, "--json") && (o->cmd == PC_CMD_INTERPRETERS ||
                                             o->cmd == PC_CMD_PLAN || o->cmd == PC_CMD_DIFF)) {
            o->json = true;
        } else if (is_opt(a, "--desugarer") && o->cmd != PC_CMD_DESUGAR) {
            if (!(o->desugarer = value_of(argc, argv, &i, a, 11, err)))
                return -1;
        } else if (!strcmp(a, "--conservative") &&
                   (o->cmd == PC_CMD_RUN || o->cmd == PC_CMD_BLESS || o->cmd == PC_CMD_PLAN ||
                    o->cmd == PC_CMD_DESUGAR)) {
            o->conservative = true;
        } else if (is_opt(a, "--python")) {
            if (!(o->python = value_of(argc, argv, &i, a, 8, err)))
                return -1;
        } else if (o->cmd == PC_CMD_DESUGAR && (a[0] != '-' || !strcmp(a, "-"))) {
            if (o->nfiles)
                return pc_fail(err, "desugar: one FILE (or -) only");
            o->files[o->nfiles++] = (char *)a;
        } else if (o->cmd == PC_CMD_CHANGES && !strcmp(a, "--check")) {
            o->check = true;
        } else if (o->cmd == PC_CMD_CHANGES && is_opt(a, "--output")) {
            if (!(o->output = value_of(argc, argv, &i, a, 8, err)))
                return -1;
        } else if (o->cmd == PC_CMD_HTML && (!strcmp(a, "-o") || is_opt(a, "--output"))) {
            if (!(o->output = value_of(argc, argv, &i, a, a[1] == 'o' ? 2 : 8, err)))
                return -1;
        } else if (o->cmd == PC_CMD_HTML && (a[0] != '-' || !strcmp(a, "-"))) {
            if (o->nfiles)
                return pc_fail(err, "html: one REPORT only (got '%s' and '%s')", o->files[0], a);
            o->files[o->nfiles++] = (char *)a;
        } else if (o->cmd == PC_CMD_JUNIT && (!strcmp(a, "-o") || is_opt(a, "--output"))) {
            if (!(o->output = value_of(argc, argv, &i, a, a[1] == 'o' ? 2 : 8, err)))
                return -1;
        } else if (o->cmd == PC_CMD_MERGE && (!strcmp(a, "-o") || is_opt(a, "--output"))) {
            if (!(o->output = value_of(argc, argv, &i, a, a[1] == 'o' ? 2 : 8, err)))
                return -1;
        } else if ((o->cmd == PC_CMD_JUNIT || o->cmd == PC_CMD_DIFF || o->cmd == PC_CMD_MERGE) &&
                   a[0] != '-') {
            o->files[o->nfiles++] = (char *)a; /* reports */
        } else if (o->cmd == PC_CMD_REDUCE && (!strcmp(a, "-o") || is_opt(a, "--output"))) {
            if (!(o->output = value_of(argc, argv, &i, a, a[1] == 'o' ? 2 : 8, err)))
                return -1;
        } else if (o->cmd == PC_CMD_REDUCE && is_opt(a, "--budget")) {
            if (!(v = value_of(argc, argv, &i, a, 8, err)) ||
                parse_seconds("--budget", v, &o->budget, err))
                return -1;
        } else if (o->cmd == PC_CMD_BISECT && is_opt(a, "--git")) {
            if (!(o->git = value_of(argc, argv, &i, a, 5, err)))
                return -1;
        } else if (o->cmd == PC_CMD_BISECT && is_opt(a, "--good")) {
            if (!(o->good = value_of(argc, argv, &i, a, 6, err)))
                return -1;
        } else if (o->cmd == PC_CMD_BISECT && is_opt(a, "--bad")) {
            if (!(o->bad = value_of(argc, argv, &i, a, 5, err)))
                return -1;
        } else if (o->cmd == PC_CMD_BISECT && is_opt(a, "--build")) {
            if (!(o->build = value_of(argc, argv, &i, a, 7, err)))
                return -1;
        } else if (o->cmd == PC_CMD_BISECT && is_opt(a, "--interp-argv")) {
            if (!(o->interp_argv = value_of(argc, argv, &i, a, 13, err)))
                return -1;
        } else if (o->cmd == PC_CMD_BISECT && !strcmp(a, "-k")) {
            if (!(v = value_of(argc, argv, &i, a, 2, err)))
                return -1;
            o->keys[o->nkeys++] = (char *)v;
        } else if (o->cmd == PC_CMD_BISECT && !strcmp(a, "--unexpected")) {
            o->unexpected = true;
        } else if (o->cmd == PC_CMD_BISECT && !strcmp(a, "--provision")) {
            o->provision = true;
        } else if (o->cmd == PC_CMD_BISECT && is_opt(a, "--points")) {
            if (!(o->points = value_of(argc, argv, &i, a, 8, err)))
                return -1;
            if (strcmp(o->points, "pyodide") && strcmp(o->points, "debian") &&
                strcmp(o->points, "all"))
                return pc_fail(err, "--points: unknown kind '%s' (pyodide, debian or all)",
                               o->points);
            o->provision = true;
        } else if (o->cmd == PC_CMD_BISECT && is_opt(a, "--suites")) {
            if (!(o->suites = value_of(argc, argv, &i, a, 8, err)))
                return -1;
            if (!*o->suites || strspn(o->suites, "abcdefghijklmnopqrstuvwxyz"
                                                 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,_-") !=
                                   strlen(o->suites))
                return pc_fail(err, "--suites: '%s' is not a comma-separated list of suite names",
                               o->suites);
        } else if ((o->cmd == PC_CMD_RUN || o->cmd == PC_CMD_BLESS) && !strcmp(a, "--bisect-exit")) {
            o->bisect_exit = true;
        } else if (o->cmd == PC_CMD_PROVISION && !strcmp(a, "--list")) {
            o->list = true;
        } else if (o->cmd == PC_CMD_PROVISION && !strcmp(a, "--all")) {
            o->all = true;
        } else if (o->cmd == PC_CMD_PROVISION && !strcmp(a, "--force")) {
            o->force = true;
        } else if (o->cmd == PC_CMD_PROVISION && a[0] != '-') {
            o->files[o->nfiles++] = (char *)a; /* recipe names */
        } else if (is_opt(a, "--root")) {
            if (!(o->root = value_of(argc, argv, &i, a, 6, err)))
                return -1;
        } else if (!takes_files) {
            return pc_fail(err, "%s: unknown argument '%s'", cmd, a);
        } else if (!strcmp(a, "-j") || is_opt(a, "--jobs") || (a[0] == '-' && a[1] == 'j' && a[2])) {
            if (a[1] == 'j' && a[2])
                v = a + 2;
            else if (!(v = value_of(argc, argv, &i, a, a[1] == 'j' ? 2 : 6, err)))
                return -1;
            if (parse_int("-j", v, 1, 256, &o->parallel, err))
                return -1;
        } else if (is_opt(a, "--timeout")) {
            if (!(v = value_of(argc, argv, &i, a, 9, err)) || parse_seconds("--timeout", v, &o->timeout, err))
                return -1;
        } else if (is_opt(a, "--mode")) {
            if (!(v = value_of(argc, argv, &i, a, 6, err)))
                return -1;
            o->mode_given = true;
            if (!strcmp(v, "source"))
                o->modes = PC_MODES_SOURCE;
            else if (!strcmp(v, "desugared"))
                o->modes = PC_MODES_DESUGARED;
            else if (!strcmp(v, "both"))
                o->modes = PC_MODES_ALL;
            else
                return pc_fail(err, "--mode: expected source, desugared or both, got '%s'", v);
        } else if (is_opt(a, "--cases")) {
            if (!(o->cases_dir = value_of(argc, argv, &i, a, 7, err)))
                return -1;
        } else if (is_opt(a, "--expected")) {
            if (!(o->expected_dir = value_of(argc, argv, &i, a, 10, err)))
                return -1;
        } else if (is_opt(a, "--reports")) {
            if (!(o->reports_dir = value_of(argc, argv, &i, a, 9, err)))
                return -1;
        } else if (is_opt(a, "--runners")) {
            if (!(o->runners_dir = value_of(argc, argv, &i, a, 9, err)))
                return -1;
        } else if (is_opt(a, "--details")) {
            if (!(v = value_of(argc, argv, &i, a, 9, err)) ||
                parse_int("--details", v, 0, 1000000, &o->max_details, err))
                return -1;
        } else if (is_opt(a, "--startup-timeout")) {
            if (!(v = value_of(argc, argv, &i, a, 17, err)) ||
                parse_seconds("--startup-timeout", v, &o->startup_timeout, err))
                return -1;
        } else if (is_opt(a, "--max-output")) {
            if (!(v = value_of(argc, argv, &i, a, 12, err)) ||
                parse_bytes("--max-output", v, &o->max_output, err))
                return -1;
            if (o->max_output == 0)
                return pc_fail(err, "--max-output: must be at least 1 byte");
        } else if (is_opt(a, "--keep-reports")) {
            if (!(v = value_of(argc, argv, &i, a, 14, err)) ||
                parse_int("--keep-reports", v, 0, 1000000, &o->keep_reports, err))
                return -1;
        } else if (is_opt(a, "--max-memory")) {
            if (!(v = value_of(argc, argv, &i, a, 12, err)) ||
                parse_bytes("--max-memory", v, &o->max_memory, err))
                return -1;
        } else if (is_opt(a, "--isolation")) {
            if (!(v = value_of(argc, argv, &i, a, 11, err)))
                return -1;
            if (strcmp(v, "job") && strcmp(v, "shared"))
                return pc_fail(err, "--isolation: '%s' is not job or shared", v);
            o->shared = !strcmp(v, "shared");
        } else if ((o->cmd == PC_CMD_RUN || o->cmd == PC_CMD_BLESS) && is_opt(a, "--html")) {
            if (!(o->html = value_of(argc, argv, &i, a, 6, err)))
                return -1;
        } else if (is_opt(a, "--junit")) {
            if (!(o->junit = value_of(argc, argv, &i, a, 7, err)))
                return -1;
        } else if (o->cmd == PC_CMD_BLESS && (!strcmp(a, "-k") || is_opt(a, "--filter") ||
                                              is_opt(a, "--filter-out") || !strcmp(a, "--last-failed") ||
                                              !strcmp(a, "--lf"))) {
            return pc_fail(err, "bless: %s is not supported: bless records what a whole run "
                           "observed (functions a selection leaves out would be dropped)", a);
        } else if (!strcmp(a, "-k") || is_opt(a, "--filter")) {
            if (!(v = value_of(argc, argv, &i, a, a[1] == 'k' ? 2 : 8, err)))
                return -1;
            o->filters[o->nfilters++] = (char *)v;
        } else if (is_opt(a, "--filter-out")) {
            if (!(v = value_of(argc, argv, &i, a, 12, err)))
                return -1;
            o->filters_out[o->nfilters_out++] = (char *)v;
        } else if (!strcmp(a, "--last-failed") || !strcmp(a, "--lf")) {
            o->last_failed = true;
        } else if (is_opt(a, "--max-failures")) {
            if (!(v = value_of(argc, argv, &i, a, 14, err)) ||
                parse_int("--max-failures", v, 1, 100000000, &o->max_failures, err))
                return -1;
        } else if ((is_opt(a, "--retries") || !strcmp(a, "--allow-flaky")) &&
                   o->cmd == PC_CMD_BLESS) {
            return pc_fail(err, "bless: %s is not supported: bless records what one run observed "
                           "(a result that changes between attempts cannot be recorded)", a);
        } else if (is_opt(a, "--retries") && o->cmd == PC_CMD_RUN) {
            if (!(v = value_of(argc, argv, &i, a, 9, err)) ||
                parse_int("--retries", v, 0, 100, &o->retries, err))
                return -1;
        } else if (!strcmp(a, "--allow-flaky") && o->cmd == PC_CMD_RUN) {
            o->allow_flaky = true;
        } else if (is_opt(a, "--durations")) {
            if (!(v = value_of(argc, argv, &i, a, 11, err)) ||
                parse_int("--durations", v, 1, 100000000, &o->durations, err))
                return -1;
        } else if (is_opt(a, "--color")) {
            int mode;
            if (!(v = value_of(argc, argv, &i, a, 7, err)))
                return -1;
            if ((mode = pc_color_mode_parse(v)) < 0)
                return pc_fail(err, "--color: '%s' is not auto, always or never", v);
            o->color = mode;
        } else if (is_opt(a, "--shard") && o->cmd != PC_CMD_CHANGES && o->cmd != PC_CMD_CHECK_DESUGAR) {
            if (o->cmd == PC_CMD_BLESS)
                return pc_fail(err, "bless: --shard is not supported: bless records what one whole "
                               "run observed; run the shards, `pyconform merge` them, and bless "
                               "from a whole run");
            if (!(v = value_of(argc, argv, &i, a, 7, err)) ||
                pc_shard_parse("--shard", v, &o->shard_k, &o->shard_n, err))
                return -1;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            o->quiet = true;
        } else if (!strcmp(a, "--")) {
            while (++i < argc)
                o->files[o->nfiles++] = argv[i];
        } else if (a[0] == '-' && a[1]) {
            return pc_fail(err, "%s: unknown option '%s'", cmd, a);
        } else {
            o->files[o->nfiles++] = (char *)a;
        }
    }
    return 0;
}

void pc_cli_free(pc_options *o)
{
    free(o->files);
    free(o->interps);
    free(o->tags);
    free(o->filters);
    free(o->filters_out);
    free(o->keys);
    o->files = o->interps = o->tags = o->filters = o->filters_out = o->keys = NULL;
}
