/* progress.c - see progress.h. */
#include "progress.h"

#include <stdlib.h>
#include <string.h>

#include "term.h"
#include "util.h"
#include "verdict.h"

struct pc_progress_build {
    const pc_interp *interp;
    size_t first, end; /* its jobs: [first, end) of the plan (jobs are grouped by build) */
    size_t left;       /* not arrived yet */
    double started;    /* pc_now() at its first arrival */
};

int pc_progress_init(pc_progress *p, const pc_plan *plan, FILE *out, bool quiet, bool color,
                     pc_error *err)
{
    size_t i, n = 0;
    memset(p, 0, sizeof *p);
    p->out = out;
    p->total = plan->len;
    p->t0 = pc_now();
    if (quiet)
        return 0;
    p->live = pc_term_is_tty(out);
    p->lines = !p->live;
    p->color = color;
    p->width = pc_term_width(out);
    for (i = 0; i < plan->len; i++)
        n += i == 0 || plan->jobs[i].interp != plan->jobs[i - 1].interp;
    if (n && !(p->builds = calloc(n, sizeof *p->builds)))
        return pc_oom(err);
    for (i = 0; i < plan->len; i++) {
        if (i == 0 || plan->jobs[i].interp != plan->jobs[i - 1].interp)
            p->builds[p->nbuilds++] = (pc_progress_build){plan->jobs[i].interp, i, i, 0, 0};
        p->builds[p->nbuilds - 1].end = i + 1;
        p->builds[p->nbuilds - 1].left++;
    }
    return 0;
}

/* The build holding job `job` (binary search over the ranges). */
static pc_progress_build *build_of(pc_progress *p, size_t job)
{
    size_t lo = 0, hi = p->nbuilds;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (job < p->builds[mid].first)
            hi = mid;
        else if (job >= p->builds[mid].end)
            lo = mid + 1;
        else
            return &p->builds[mid];
    }
    return NULL;
}

/* "1:05" or "1:02:03" */
static void clock_text(char *buf, size_t size, double seconds)
{
    long s = seconds > 0 ? (long)(seconds + 0.5) : 0;
    if (s >= 3600)
        snprintf(buf, size, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(buf, size, "%ld:%02ld", s / 60, s % 60);
}

static void draw(pc_progress *p, double now)
{
    char line[256], elapsed[32], left[32], count[64];
    const char *on = "", *off = "";
    int n, max = p->width - 1 < (int)sizeof line - 1 ? p->width - 1 : (int)sizeof line - 1;
    clock_text(elapsed, sizeof elapsed, now - p->t0);
    if (p->done > 0 && p->done < p->total)
        clock_text(left, sizeof left, (now - p->t0) * (double)(p->total - p->done) / (double)p->done);
    else
        snprintf(left, sizeof left, "?");
    if (p->color && p->unexpected) {
        on = pc_verdict_get(PC_FAIL)->sgr;
        off = PC_SGR_RESET;
    }
    snprintf(count, sizeof count, "%zu unexpected", p->unexpected);
    n = snprintf(line, sizeof line, "[%*zu/%zu] %zu build%s running, %zu/%zu done | ",
                 (int)snprintf(NULL, 0, "%zu", p->total), p->done, p->total, p->running,
                 p->running == 1 ? "" : "s", p->finished, p->nbuilds);
    if (n < 0 || n >= max)
        n = max;
    line[n] = '\0';
    /* the count keeps its colour whole; what follows is cut to the width */
    fprintf(p->out, "\r\033[K%s%s%s%s", line, on, count, off);
    n += (int)strlen(count);
    if (n < max) {
        char tail[96];
        snprintf(tail, sizeof tail, " | %s, about %s left", elapsed, left);
        fprintf(p->out, "%.*s", max - n, tail);
    }
    fflush(p->out);
    p->shown = true;
    p->drawn = now;
}

void pc_progress_job(pc_progress *p, size_t job, size_t unexpected)
{
    pc_progress_build *b;
    double now;
    p->done++;
    p->unexpected = unexpected;
    if (!p->live && !p->lines)
        return;
    now = pc_now();
    if ((b = build_of(p, job)) != NULL) {
        if (b->left == b->end - b->first) {
            p->running++;
            b->started = now;
        }
        if (b->left && --b->left == 0) {
            p->running--;
            p->finished++;
            if (p->lines) {
                fprintf(p->out, "pyconform: %s: %zu job%s done in %.1f s (%zu/%zu builds, %zu "
                        "unexpected so far)\n", b->interp->name, b->end - b->first,
                        b->end - b->first == 1 ? "" : "s", now - b->started,
                        p->finished, p->nbuilds, p->unexpected);
                fflush(p->out);
            }
        }
    }
    if (p->live && (now - p->drawn >= 0.1 || p->done == p->total))
        draw(p, now);
}

void pc_progress_clear(pc_progress *p)
{
    if (p->shown) {
        fputs("\r\033[K", p->out);
        fflush(p->out);
        p->shown = false;
    }
}

void pc_progress_free(pc_progress *p)
{
    pc_progress_clear(p);
    free(p->builds);
    p->builds = NULL;
}
