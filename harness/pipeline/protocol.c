/* protocol.c - see protocol.h. */
#include "protocol.h"
#include "suite.h"

#include <string.h>

#include "util.h"

void pc_msg_free(pc_msg *msg)
{
    json_decref(msg->body);
    free(msg->text);
    memset(msg, 0, sizeof *msg);
}

static int bad(pc_msg *msg, json_t *root, pc_error *err, const char *what)
{
    json_decref(root);
    pc_msg_free(msg);
    return pc_fail(err, "malformed runner line: %s", what);
}

static bool all_strings(json_t *a)
{
    size_t i;
    json_t *v;
    if (!json_is_array(a))
        return false;
    json_array_foreach(a, i, v) {
        if (!json_is_string(v))
            return false;
    }
    return true;
}

int pc_msg_decode(pc_msg *msg, const char *line, size_t len, pc_error *err)
{
    json_error_t jerr;
    json_t *root = json_loadb(line, len, 0, &jerr), *v, *id;
    memset(msg, 0, sizeof *msg);
    msg->id = -1;
    msg->exit_code = msg->term_signal = -1;
    if (!root)
        return bad(msg, NULL, err, "not JSON");
    if (!json_is_object(root))
        return bad(msg, root, err, "not a JSON object");
    id = json_object_get(root, "id");
    if (id && !json_is_null(id)) {
        if (!json_is_integer(id) || json_integer_value(id) < 0)
            return bad(msg, root, err, "\"id\" is not a job number");
        msg->id = json_integer_value(id);
    }
    if ((v = json_object_get(root, "hello"))) {
        json_t *p = json_object_get(root, "protocol");
        if (!json_is_string(v) || strcmp(json_string_value(v), "pyconform-runner") != 0)
            return bad(msg, root, err, "hello from something that is not a pyconform runner");
        if (!json_is_integer(p) || json_integer_value(p) != PC_PROTOCOL_VERSION)
            return bad(msg, root, err, "the runner speaks another protocol version");
        msg->kind = PC_MSG_HELLO;
        msg->fork = json_is_true(json_object_get(root, "fork"));
    } else if ((v = json_object_get(root, "module"))) {
        if (msg->id < 0 || !json_is_object(v) || !all_strings(json_object_get(v, "calls")))
            return bad(msg, root, err, "module line without id or \"calls\"");
        msg->kind = PC_MSG_MODULE;
        msg->body = json_incref(v);
    } else if ((v = json_object_get(root, "function"))) {
        if (msg->id < 0 || !json_is_object(v) || !json_is_string(json_object_get(v, "name")))
            return bad(msg, root, err, "function line without id or name");
        msg->kind = PC_MSG_FUNCTION;
        msg->body = json_incref(v);
    } else if ((v = json_object_get(root, "end"))) {
        json_t *code = json_object_get(v, "exit"), *sig = json_object_get(v, "signal");
        msg->kind = PC_MSG_END;
        if (json_is_integer(code) && !sig)
            msg->exit_code = (int)(json_integer_value(code) & 0xff);
        else if (json_is_integer(sig) && !code && json_integer_value(sig) > 0 &&
                 json_integer_value(sig) < 128)
            msg->term_signal = (int)json_integer_value(sig);
        else
            return bad(msg, root, err, "end line without an exit code or a signal");
    } else if ((v = json_object_get(root, "runner_error"))) {
        if (!json_is_string(v))
            return bad(msg, root, err, "runner_error is not a string");
        msg->kind = PC_MSG_RUNNER_ERROR;
        if (!(msg->text = pc_strdup(json_string_value(v), err))) {
            json_decref(root);
            return -1;
        }
    } else {
        return bad(msg, root, err, "no hello, module, function, end or runner_error");
    }
    json_decref(root);
    return 0;
}

char *pc_job_line(const pc_job *j, size_t resume, const pc_job_limits *lim, size_t *len,
                  pc_error *err)
{
    /* case names and texts are valid UTF-8 (parse.c checks); the case file's name,
     * which need not be, is not sent */
    json_t *msg = json_pack("{s:I, s:s, s:s, s:s, s:f, s:I, s:I, s:I, s:I}", "id",
                            (json_int_t)j->id, "case", j->kase->name, "mode", pc_mode_name(j->mode),
                            "source", pc_job_text(j), "timeout", lim->timeout, "resume", (json_int_t)resume, "max_output",
                            (json_int_t)lim->max_output, "max_memory", (json_int_t)lim->max_memory,
                            "max_line", (json_int_t)lim->max_line);
    char *line;
    if (msg && j->kase->suite) {
        /* a suite job (suite.h): the runner runs the module's unittest tests */
        json_t *spec = json_pack("{s:s, s:s}", "module", j->kase->suite, "path",
                                 j->suite && j->suite->path ? j->suite->path : "");
        if (!spec || json_object_set_new(msg, "suite", spec) ||
            json_object_set_new(msg, "timeout", json_real(pc_job_timeout(j, lim->timeout)))) {
            json_decref(msg);
            msg = NULL;
        }
    }
    if (!msg) {
        pc_oom(err);
        return NULL;
    }
    line = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    if (!line) {
        pc_oom(err);
        return NULL;
    }
    *len = strlen(line);
    line[*len] = '\n'; /* replaces the NUL: the caller writes *len + 1 bytes */
    (*len)++;
    return line;
}

const char *const pc_runner_env[] = {
    "PYTHONHASHSEED=0", "PYTHONDONTWRITEBYTECODE=1", "PYTHONNOUSERSITE=1",
    "PYTHONIOENCODING=utf-8", "PYTHONUTF8=1", NULL,
};

const char *const pc_runner_shared_env = "PYCONFORM_ISOLATION=shared";

size_t pc_runner_max_line(size_t max_output)
{
    return 4 * max_output + (16u << 20);
}
