/* probe.h - probing builds: what each interpreter is (runners/probe.py prints one JSON
 * object: implementation, version, traits, executable...), cached.
 *
 * The cache, CACHE/probes.json, is {"schema": 1, "probes": {KEY: {"signature": SIG,
 * "probe": {...}}}}: KEY is the command and environment, SIG the size and mtime of every
 * file the command names (the interpreter, a Pyodide folder...) and of probe.py, so a
 * changed binary or probe is probed again. Builds without a cached probe are probed on
 * the process pool (pool.h), reg->probe_width at a time, each under its own deadline
 * (`timeout` seconds from its start: start-up is what a probe measures, so a machine
 * loaded with many of them at once would make them all late).
 *
 * Every outcome leaves the build either a probe (pc_interp_apply_probe) or a problem:
 * it is listed either way, never dropped. When reg->stop_fd (> 0) becomes readable, the
 * probes running are killed and reaped, and every build not probed yet gets the problem
 * "probe interrupted" (the signal is left unread for the caller).
 */
#ifndef PC_PROBE_H
#define PC_PROBE_H

#include "error.h"
#include "registry.h"

/* Probe every build of reg that has neither a probe nor a problem yet. cache_path may
 * be NULL (no cache). Returns -1 only on a harness error. */
int pc_probe_all(pc_registry *reg, const char *probe_script, double timeout,
                 const char *cache_path, pc_error *err);

#endif
