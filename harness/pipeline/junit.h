/* junit.h - a report as JUnit XML, for the test reporters of CI systems (Jenkins'
 * junit step, GitLab's artifacts:reports:junit, GitHub actions that read JUnit).
 *
 * Written from a saved report (report_read.h) with libxml2's xmlwriter, streamed:
 *
 *   <testsuites name="pyconform" tests failures errors skipped time timestamp>
 *     <testsuite name="BUILD / MODE" tests failures errors skipped time timestamp hostname>
 *       <properties> interpreter, mode </properties>
 *       <testcase name="CASE / FUNCTION" classname="BUILD_WITH_UNDERSCORES.MODE"
 *                 time file line>
 *         [<failure|error|skipped message type>TEXT</...>]
 *       </testcase> ...
 *
 * One <testsuite> per build x mode, in the order the report's jobs first name them; one
 * <testcase> per row (case function) of that build and mode. The verdict decides the
 * child: PASS none; XFAIL and SKIP <skipped> (as expected, as pytest reports xfail);
 * FAIL, XPASS, DIVERGE, FLAKY <failure>; TIMEOUT, CRASH, ERROR, NOT-RUN <error>. A FLAKY
 * row of a run with --allow-flaky is a passing testcase (no child) whose <system-out>
 * says FLAKY and lists the attempts (as Maven Surefire reports a test that passed on a
 * rerun: a pass, the failed attempts beside it). Its `type` is
 * the verdict; `message` is "VERDICT: reason or detail" with the first differing path
 * and both values; the text holds the same in full (verdict, reason, detail, the path,
 * expected and observed, each value clipped at 4 KB; for a retried row, its attempts'
 * verdicts and durations). Times are seconds: a testcase's
 * the row's measured duration, a testsuite's the sum of its jobs' durations, the root's
 * the run's. `classname` has the build's dots made underscores, so that Jenkins (which
 * splits it at the last dot into package and class) shows one package per build and
 * one class per mode. Text that XML 1.0 cannot hold (control characters other than
 * tab, newline and carriage return) is written \xHH.
 */
#ifndef PC_JUNIT_H
#define PC_JUNIT_H

#include <stdio.h>

#include "report_read.h"

/* Write the JUnit XML of doc to `path` (through PATH.tmp, renamed into place; a path
 * that is not a regular file, such as /dev/stdout or a pipe, is written to directly),
 * or to `out` when path is NULL. */
int pc_junit_write(const pc_report_doc *doc, const char *path, FILE *out, pc_error *err);

#endif
