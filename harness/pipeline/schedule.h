/* schedule.h - the order in which builds start: longest first, from the previous run.
 *
 * REPORTS/timings.json holds, per build name, the wall seconds its jobs took in the last
 * run that ran it to the end (the sum of its jobs' seconds: a build's jobs run one after
 * another in its runner, so this is how long that runner is busy, less its start-up):
 *
 *     {"schema": 1, "builds": {"cpython-3.13.0": 1.42, "pypy-3.10.14": 9.8, ...}}
 *
 * It is a scheduling hint, not a report: a missing or unreadable file means "no times"
 * (execute.c then starts Pyodide builds first, then the builds with most jobs), and
 * failing to write it is not an error. Builds not in the run keep their entries.
 */
#ifndef PC_SCHEDULE_H
#define PC_SCHEDULE_H

#include "error.h"
#include "compare.h"
#include "plan.h"
#include "registry.h"

/* Set est_seconds of every build of reg named in DIR/timings.json (0 for the others). */
void pc_schedule_load(const char *reports_dir, pc_registry *reg);
/* Record the seconds of every build that ran a job in the plan into DIR/timings.json.
 * Returns 0, or -1 (with err) when the file could not be written. */
int pc_schedule_save(const char *reports_dir, const pc_plan *plan, const pc_job_record *jobs,
                     pc_error *err);

#endif
