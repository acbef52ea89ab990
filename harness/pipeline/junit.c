/* junit.c - see junit.h. */
#include "junit.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/xmlwriter.h>

#include "plan.h"
#include "util.h"
#include "verdict.h"

#define VALUE_MAX 4096   /* bytes of a value in the text */
#define MESSAGE_MAX 1024 /* bytes of the message attribute */

/* Append s[0..len) to b as text XML 1.0 can hold: control characters other than tab,
 * newline and carriage return, and U+FFFE/U+FFFF, become \xHH / \uFFFE. The input is
 * UTF-8 (it comes from JSON). */
static int xml_safe(pc_buf *b, const char *s, size_t len, pc_error *err)
{
    size_t i, start = 0;
    for (i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        char esc[8];
        size_t skip = 1;
        if (ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r')
            snprintf(esc, sizeof esc, "\\x%02x", ch);
        else if (ch == 0xEF && i + 2 < len && (unsigned char)s[i + 1] == 0xBF &&
                 ((unsigned char)s[i + 2] == 0xBE || (unsigned char)s[i + 2] == 0xBF)) {
            snprintf(esc, sizeof esc, "\\uFFF%c", (unsigned char)s[i + 2] == 0xBE ? 'E' : 'F');
            skip = 3;
        } else
            continue;
        if (pc_buf_append(b, s + start, i - start, err) || pc_buf_append(b, esc, strlen(esc), err))
            return -1;
        i += skip - 1;
        start = i + 1;
    }
    return pc_buf_append(b, s + start, len - start, err);
}

/* s, at most max bytes of it (cut at a character), made XML-safe; a cut says so. */
static int xml_clipped(pc_buf *b, const char *s, size_t max, pc_error *err)
{
    size_t len = strlen(s), n = pc_text_clip(s, len, max);
    if (xml_safe(b, s, n, err))
        return -1;
    return n < len ? pc_buf_appendf(b, err, "... (%zu bytes in all)", len) : 0;
}

typedef struct jw {
    xmlTextWriterPtr w;
    const pc_report_doc *doc;
    pc_buf tmp;
    pc_error *err;
    bool allow_flaky; /* the run's --allow-flaky (its "run" section) */
} jw;

static int xfail(jw *j, const char *what)
{
    return pc_fail(j->err, "cannot write the JUnit XML (%s)", what);
}

/* An attribute whose value is outside text. */
static int attr(jw *j, const char *name, const char *value)
{
    pc_buf_clear(&j->tmp);
    if (xml_safe(&j->tmp, value ? value : "", value ? strlen(value) : 0, j->err))
        return -1;
    if (xmlTextWriterWriteAttribute(j->w, BAD_CAST name, BAD_CAST(j->tmp.data ? j->tmp.data : "")) < 0)
        return xfail(j, name);
    return 0;
}

static int attrf(jw *j, const char *name, const char *fmt, double v)
{
    char s[64];
    snprintf(s, sizeof s, fmt, v);
    return attr(j, name, s);
}

static int attrn(jw *j, const char *name, size_t n)
{
    char s[32];
    snprintf(s, sizeof s, "%zu", n);
    return attr(j, name, s);
}

static int start(jw *j, const char *element)
{
    return xmlTextWriterStartElement(j->w, BAD_CAST element) < 0 ? xfail(j, element) : 0;
}

static int end(jw *j)
{
    return xmlTextWriterEndElement(j->w) < 0 ? xfail(j, "end of element") : 0;
}

/* The child a verdict gives: NULL (PASS, and FLAKY when the run allowed it),
 * "skipped", "failure" or "error". */
static const char *child_of(pc_verdict v, bool allow_flaky)
{
    switch (v) {
    case PC_PASS:
        return NULL;
    case PC_FLAKY:
        return allow_flaky ? NULL : "failure";
    case PC_XFAIL:
    case PC_SKIP:
        return "skipped";
    case PC_FAIL:
    case PC_XPASS:
    case PC_DIVERGE:
        return "failure";
    default:
        return "error";
    }
}

/* " at PATH: expected E, observed O" of a diff value, each clipped to max. */
static int diff_text(jw *j, pc_buf *b, const pc_report_rrow *r, size_t max, const char *sep)
{
    json_t *d = pc_report_value_json(j->doc, r->diff);
    char *e = NULL, *o = NULL;
    int rc = 0;
    if (!d)
        return 0;
    e = json_dumps(json_object_get(d, "expected"), JSON_ENCODE_ANY | JSON_COMPACT);
    o = json_dumps(json_object_get(d, "observed"), JSON_ENCODE_ANY | JSON_COMPACT);
    if (!e || !o)
        rc = pc_oom(j->err);
    else if (pc_buf_appendf(b, j->err, "%sfirst difference at ", sep) ||
             xml_clipped(b, json_string_value(json_object_get(d, "path")) ? json_string_value(json_object_get(d, "path")) : "?", max, j->err) ||
             pc_buf_appendf(b, j->err, "%sexpected: ", *sep == '\n' ? "\n  " : ": ") ||
             xml_clipped(b, e, max, j->err) ||
             pc_buf_appendf(b, j->err, "%sobserved: ", *sep == '\n' ? "\n  " : ", ") ||
             xml_clipped(b, o, max, j->err))
        rc = -1;
    free(e);
    free(o);
    json_decref(d);
    return rc;
}

/* "\nattempts: FAIL (0.012 s), PASS (0.010 s)" of a retried row (nothing otherwise). */
static int attempts_text(jw *j, pc_buf *b, const pc_report_rrow *r)
{
    json_t *a, *x;
    size_t k;
    int rc = 0;
    if (!r->attempts)
        return 0;
    if (!(a = pc_report_value_json(j->doc, r->attempts)))
        return pc_oom(j->err);
    json_array_foreach(a, k, x) {
        if (pc_buf_appendf(b, j->err, "%s%s (%.3f s)", k ? ", " : "\nattempts: ",
                           json_string_value(json_object_get(x, "verdict")),
                           json_number_value(json_object_get(x, "duration")))) {
            rc = -1;
            break;
        }
    }
    json_decref(a);
    return rc;
}

static int testcase(jw *j, const pc_report_rrow *r)
{
    const pc_report_doc *d = j->doc;
    const pc_report_job *job = &d->jobs[r->job];
    const char *verdict = pc_verdict_name((pc_verdict)r->verdict);
    const char *child = child_of((pc_verdict)r->verdict, j->allow_flaky);
    const char *reason = pc_report_text(d, r->reason), *detail = pc_report_text(d, r->detail);
    pc_buf name = {0}, cls = {0}, msg = {0}, text = {0};
    const char *interp = pc_report_text(d, job->interp), *p;
    char line[32];
    int rc = -1;

    if (pc_buf_appendf(&name, j->err, "%s / %s", pc_report_text(d, job->kase),
                       pc_report_text(d, r->function)))
        goto out;
    for (p = interp; *p; p++)
        if (pc_buf_append(&cls, *p == '.' ? "_" : p, 1, j->err))
            goto out;
    if (pc_buf_appendf(&cls, j->err, ".%s", pc_mode_name((pc_mode)job->mode)))
        goto out;
    snprintf(line, sizeof line, "%d", job->line);
    if (start(j, "testcase") || attr(j, "name", name.data) || attr(j, "classname", cls.data) ||
        attrf(j, "time", "%.6f", r->duration) || attr(j, "file", pc_report_text(d, job->file)) ||
        attr(j, "line", line))
        goto out;
    if (child) {
        /* message: "VERDICT: reason or detail; first difference at PATH: expected E, observed O" */
        if (pc_buf_appendf(&msg, j->err, "%s", verdict) ||
            ((reason || detail) && (pc_buf_appendf(&msg, j->err, ": ") ||
                                    xml_clipped(&msg, reason ? reason : detail, MESSAGE_MAX, j->err))) ||
            diff_text(j, &msg, r, 200, "; "))
            goto out;
        /* text: the same in full, one item a line */
        if (pc_buf_appendf(&text, j->err, "%s on %s (%s mode)", verdict, interp,
                           pc_mode_name((pc_mode)job->mode)) ||
            (reason && (pc_buf_appendf(&text, j->err, "\nreason: ") ||
                        xml_clipped(&text, reason, VALUE_MAX, j->err))) ||
            (detail && (pc_buf_appendf(&text, j->err, "\ndetail: ") ||
                        xml_clipped(&text, detail, VALUE_MAX, j->err))) ||
            diff_text(j, &text, r, VALUE_MAX, "\n") || attempts_text(j, &text, r))
            goto out;
        pc_buf_clear(&name);
        if (xml_clipped(&name, msg.data, MESSAGE_MAX, j->err))
            goto out;
        if (start(j, child) || attr(j, "message", name.data) || attr(j, "type", verdict))
            goto out;
        if (xmlTextWriterWriteString(j->w, BAD_CAST text.data) < 0) {
            xfail(j, child);
            goto out;
        }
        if (end(j))
            goto out;
    } else if (r->verdict == PC_FLAKY) {
        /* allowed (--allow-flaky): a passing testcase that says so in its output */
        if (pc_buf_appendf(&text, j->err, "FLAKY on %s (%s mode), allowed by --allow-flaky", interp,
                           pc_mode_name((pc_mode)job->mode)) ||
            (detail && (pc_buf_appendf(&text, j->err, "\ndetail: ") ||
                        xml_clipped(&text, detail, VALUE_MAX, j->err))) ||
            attempts_text(j, &text, r))
            goto out;
        if (start(j, "system-out"))
            goto out;
        if (xmlTextWriterWriteString(j->w, BAD_CAST text.data) < 0) {
            xfail(j, "system-out");
            goto out;
        }
        if (end(j))
            goto out;
    }
    rc = end(j);
out:
    pc_buf_free(&name);
    pc_buf_free(&cls);
    pc_buf_free(&msg);
    pc_buf_free(&text);
    return rc;
}

/* A build x mode: the interpreter's text id and the mode. */
typedef struct suite {
    uint32_t interp;
    uint8_t mode;
    size_t tests, failures, errors, skipped;
    double time;
} suite;

static int write_doc(jw *j)
{
    const pc_report_doc *d = j->doc;
    suite *suites = NULL, all = {0};
    size_t nsuites = 0, cap = 0, i, s;
    uint32_t *of_job = NULL;
    const char *stamp = json_string_value(json_object_get(d->run, "started"));
    const char *host = json_string_value(json_object_get(d->run, "host"));
    int rc = -1;

    if (d->njobs && !(of_job = calloc(d->njobs, sizeof *of_job))) {
        pc_oom(j->err);
        goto out;
    }
    for (i = 0; i < d->njobs; i++) {
        for (s = 0; s < nsuites && !(suites[s].interp == d->jobs[i].interp &&
                                     suites[s].mode == d->jobs[i].mode); s++)
            ;
        if (s == nsuites) {
            if (pc_grow(&suites, &cap, nsuites + 1, sizeof *suites, j->err))
                goto out;
            memset(&suites[s], 0, sizeof *suites);
            suites[s].interp = d->jobs[i].interp;
            suites[s].mode = d->jobs[i].mode;
            nsuites++;
        }
        of_job[i] = (uint32_t)s;
        suites[s].time += d->jobs[i].duration;
    }
    for (i = 0; i < d->nrows; i++) {
        suite *su = &suites[of_job[d->rows[i].job]];
        const char *c = child_of((pc_verdict)d->rows[i].verdict, j->allow_flaky);
        su->tests++;
        if (c && *c == 'f')
            su->failures++;
        else if (c && *c == 'e')
            su->errors++;
        else if (c)
            su->skipped++;
    }
    for (s = 0; s < nsuites; s++) {
        all.tests += suites[s].tests;
        all.failures += suites[s].failures;
        all.errors += suites[s].errors;
        all.skipped += suites[s].skipped;
    }
    all.time = json_number_value(json_object_get(d->run, "seconds"));

    if (xmlTextWriterSetIndent(j->w, 1) < 0 || xmlTextWriterSetIndentString(j->w, BAD_CAST " ") < 0 ||
        xmlTextWriterStartDocument(j->w, NULL, "UTF-8", NULL) < 0) {
        xfail(j, "document start");
        goto out;
    }
    if (start(j, "testsuites") || attr(j, "name", "pyconform") ||
        attrn(j, "tests", all.tests) || attrn(j, "failures", all.failures) ||
        attrn(j, "errors", all.errors) || attrn(j, "skipped", all.skipped) ||
        attrf(j, "time", "%.6f", all.time) || (stamp && attr(j, "timestamp", stamp)))
        goto out;
    for (s = 0; s < nsuites; s++) {
        const suite *su = &suites[s];
        const char *interp = pc_report_text(d, su->interp), *mode = pc_mode_name((pc_mode)su->mode);
        pc_buf name = {0};
        int bad = pc_buf_appendf(&name, j->err, "%s / %s", interp, mode) || start(j, "testsuite") ||
                  attr(j, "name", name.data) || attrn(j, "tests", su->tests) ||
                  attrn(j, "failures", su->failures) ||
                  attrn(j, "errors", su->errors) ||
                  attrn(j, "skipped", su->skipped) ||
                  attrf(j, "time", "%.6f", su->time) || (stamp && attr(j, "timestamp", stamp)) ||
                  (host && attr(j, "hostname", host)) || start(j, "properties") ||
                  start(j, "property") || attr(j, "name", "interpreter") || attr(j, "value", interp) ||
                  end(j) || start(j, "property") || attr(j, "name", "mode") || attr(j, "value", mode) ||
                  end(j) || end(j);
        pc_buf_free(&name);
        if (bad)
            goto out;
        for (i = 0; i < d->nrows; i++)
            if (of_job[d->rows[i].job] == s && testcase(j, &d->rows[i]))
                goto out;
        if (end(j))
            goto out;
    }
    if (end(j))
        goto out;
    if (xmlTextWriterEndDocument(j->w) < 0) {
        xfail(j, "document end");
        goto out;
    }
    rc = 0;
out:
    free(suites);
    free(of_job);
    return rc;
}

int pc_junit_write(const pc_report_doc *doc, const char *path, FILE *out, pc_error *err)
{
    jw j = {NULL, doc, {0}, err, json_is_true(json_object_get(doc->run, "allow_flaky"))};
    xmlOutputBufferPtr ob;
    char *tmp = NULL;
    FILE *f = out;
    struct stat st;
    bool direct = false;
    int rc;

    LIBXML_TEST_VERSION
    if (path && stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        /* a device or a pipe (-o /dev/stdout, /dev/null): written to, never replaced */
        if (!(f = fopen(path, "w")))
            return pc_fail(err, "%s: cannot write the JUnit file: %s", path, strerror(errno));
        direct = true;
    } else if (path) {
        if (!(tmp = pc_asprintf(err, "%s.tmp", path)))
            return -1;
        if (!(f = fopen(tmp, "w"))) {
            pc_fail(err, "%s: cannot create the JUnit file: %s", tmp, strerror(errno));
            free(tmp);
            return -1;
        }
    }
    /* the buffer writes to f and leaves it open: closing and its errors are ours */
    if (!(ob = xmlOutputBufferCreateFile(f, NULL)) || !(j.w = xmlNewTextWriter(ob))) {
        if (ob)
            xmlOutputBufferClose(ob);
        rc = pc_oom(err);
    } else {
        rc = write_doc(&j);
        xmlFreeTextWriter(j.w); /* flushes into f and frees the buffer */
    }
    pc_buf_free(&j.tmp);
    if (direct) {
        if (fclose(f) != 0 && !rc)
            rc = pc_fail(err, "%s: cannot write the JUnit file: %s", path, strerror(errno));
    } else if (path) {
        if (fflush(f) != 0 || ferror(f)) {
            if (!rc)
                rc = pc_fail(err, "%s: cannot write the JUnit file: %s", tmp, strerror(errno));
        }
        if (fclose(f) != 0 && !rc)
            rc = pc_fail(err, "%s: cannot write the JUnit file: %s", tmp, strerror(errno));
        if (!rc && rename(tmp, path) != 0)
            rc = pc_fail(err, "%s: cannot put the JUnit file in place: %s", path, strerror(errno));
        if (rc)
            unlink(tmp);
        free(tmp);
    } else if ((fflush(f) != 0 || ferror(f)) && !rc) {
        rc = pc_fail(err, "cannot write the JUnit XML: %s", strerror(errno));
    }
    if (rc && path && !strstr(err->msg, path))
        pc_wrap(err, "%s", path);
    return rc;
}
