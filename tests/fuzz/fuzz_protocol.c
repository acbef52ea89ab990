/* fuzz_protocol.c - libFuzzer target: the runner line decoder (pc_msg_decode) on
 * arbitrary bytes, as one line from a runner (not NUL-terminated).
 *
 * Checks, besides the sanitizers:
 * - a rejected line gives "malformed runner line: ..." and leaves nothing owned in the
 *   message (execute.c calls pc_msg_free on it all the same);
 * - an accepted line is one of the forms of protocol.h, and what the message says agrees
 *   with the line read independently with jansson: the id (-1 when absent or null), the
 *   body (the "module" or "function" object itself, "calls" all strings, "name" a
 *   string), the end line's exit code (its low 8 bits) or signal (1-127), exactly one of
 *   them, the runner_error text, the hello's protocol version and fork flag.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"

#define FUZZ_TARGET "fuzz_protocol"
#include "fuzz_check.h"



static void check_accepted(const pc_msg *msg, const char *line, size_t len)
{
    json_t *root = json_loadb(line, len, 0, NULL), *id, *v;
    long long want_id = -1;
    CHECK(json_is_object(root), "accepted a line that is not a JSON object");
    id = json_object_get(root, "id");
    if (json_is_integer(id))
        want_id = json_integer_value(id);
    CHECK(msg->id == want_id, "id %lld, line says %lld", msg->id, want_id);
    switch (msg->kind) {
    case PC_MSG_HELLO:
        CHECK(json_integer_value(json_object_get(root, "protocol")) == PC_PROTOCOL_VERSION &&
                  json_is_string(json_object_get(root, "hello")),
              "hello without the protocol version");
        CHECK(msg->fork == json_is_true(json_object_get(root, "fork")), "fork flag");
        CHECK(!msg->body && !msg->text, "hello owns something");
        break;
    case PC_MSG_MODULE: {
        size_t i;
        json_t *call, *calls;
        v = json_object_get(root, "module");
        CHECK(msg->id >= 0 && json_is_object(msg->body) && json_equal(msg->body, v),
              "module body");
        calls = json_object_get(msg->body, "calls");
        CHECK(json_is_array(calls), "module without calls");
        json_array_foreach(calls, i, call)
            CHECK(json_is_string(call), "call %zu is not a name", i);
        CHECK(!msg->text, "module owns text");
        break;
    }
    case PC_MSG_FUNCTION:
        v = json_object_get(root, "function");
        CHECK(msg->id >= 0 && json_is_object(msg->body) && json_equal(msg->body, v),
              "function body");
        CHECK(json_is_string(json_object_get(msg->body, "name")), "function without a name");
        CHECK(!msg->text, "function owns text");
        break;
    case PC_MSG_END: {
        json_t *code, *sig;
        v = json_object_get(root, "end");
        code = json_object_get(v, "exit");
        sig = json_object_get(v, "signal");
        CHECK((msg->exit_code >= 0) != (msg->term_signal >= 0), "exit %d, signal %d",
              msg->exit_code, msg->term_signal);
        if (msg->exit_code >= 0)
            CHECK(msg->exit_code <= 255 && json_is_integer(code) &&
                      msg->exit_code == (int)(json_integer_value(code) & 0xff),
                  "exit code %d", msg->exit_code);
        else
            CHECK(msg->term_signal >= 1 && msg->term_signal <= 127 && json_is_integer(sig) &&
                      msg->term_signal == json_integer_value(sig),
                  "signal %d", msg->term_signal);
        CHECK(!msg->body && !msg->text, "end owns something");
        break;
    }
    case PC_MSG_RUNNER_ERROR:
        v = json_object_get(root, "runner_error");
        CHECK(msg->text && json_is_string(v) && strcmp(msg->text, json_string_value(v)) == 0,
              "runner_error text");
        CHECK(!msg->body, "runner_error owns a body");
        break;
    default:
        CHECK(false, "kind %d", (int)msg->kind);
    }
    json_decref(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *line = (const char *)data;
    pc_msg msg;
    pc_error err;
    if (pc_msg_decode(&msg, line, size, &err) == 0) {
        check_accepted(&msg, line, size);
    } else {
        static const char prefix[] = "malformed runner line: ";
        CHECK(strncmp(err.msg, prefix, sizeof prefix - 1) == 0, "%s", err.msg);
        CHECK(!msg.body && !msg.text, "a rejected line left something owned");
    }
    pc_msg_free(&msg); /* after a rejected line too, as execute.c does */
    return 0;
}
