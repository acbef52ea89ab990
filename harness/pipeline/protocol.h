/* protocol.h - the runner protocol, harness side: the one place that builds job lines
 * and decodes runner lines (the contract is docs/protocol.md, "Protocol 2").
 *
 * Runner lines, one JSON object each:
 *   {"hello": "pyconform-runner", "protocol": 2, "fork": true}     once, at start-up
 *   {"id": N, "module": {..., "calls": [NAME, ...]}}                after the module body
 *   {"id": N, "function": {"name": NAME, ...}}                      per call, as it ends
 *   {"end": {"exit": CODE}} | {"end": {"signal": N}}                the job's process ended
 *   {"id": N|null, "runner_error": TEXT}                            the runner could not run it
 *
 * Ownership: a decoded pc_msg owns `body` and `text`; pc_msg_free releases them.
 */
#ifndef PC_PROTOCOL_H
#define PC_PROTOCOL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "plan.h"

#define PC_PROTOCOL_VERSION 2

typedef enum pc_msg_kind {
    PC_MSG_HELLO,
    PC_MSG_MODULE,       /* body: the module object; its "calls" is an array of strings */
    PC_MSG_FUNCTION,     /* body: the function entry; its "name" is a string */
    PC_MSG_END,          /* exit_code or term_signal is >= 0 */
    PC_MSG_RUNNER_ERROR, /* text */
} pc_msg_kind;

typedef struct pc_msg {
    pc_msg_kind kind;
    long long id;    /* the job id, -1 when the line has none (hello, end, id null) */
    json_t *body;    /* owned (MODULE, FUNCTION) */
    char *text;      /* owned (RUNNER_ERROR) */
    bool fork;       /* HELLO: the runner forks a child per job */
    int exit_code;   /* END: -1 unless the process exited */
    int term_signal; /* END: -1 unless a signal ended it */
} pc_msg;

/* Decode one line (without its newline; need not be NUL-terminated). A line that is
 * not one of the forms above fails with err naming what is wrong. */
int pc_msg_decode(pc_msg *msg, const char *line, size_t len, pc_error *err);
void pc_msg_free(pc_msg *msg);

typedef struct pc_job_limits {
    double timeout;      /* seconds, informational for the runner (Pyodide uses it) */
    size_t max_output;   /* bytes of stdout kept per call */
    size_t max_memory;   /* bytes of address space for the job's process (0: none) */
    size_t max_line;     /* bytes of one runner line */
} pc_job_limits;

/* The environment every runner starts with, before the build's own: deterministic
 * hashing, no bytecode, no user site, UTF-8. NULL-terminated, constant. */
extern const char *const pc_runner_env[];
/* Added to that environment for `--isolation shared`: a runner on a build with fork
 * serves its jobs in its own process instead of a child per job (the runner removes it
 * from os.environ at start-up, so cases never see it). */
extern const char *const pc_runner_shared_env;
/* The longest runner line the harness accepts when a call keeps max_output bytes of
 * stdout: four times that (JSON escapes) plus room for the rest of the observation. */
size_t pc_runner_max_line(size_t max_output);

/* The job line for `j` (newline-terminated, malloc'd; *len set), starting at call
 * `resume` (0: the whole job). */
char *pc_job_line(const pc_job *j, size_t resume, const pc_job_limits *lim, size_t *len,
                  pc_error *err);

#endif
