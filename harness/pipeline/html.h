/* html.h - a report (schema 2, docs/report-schema.json) as one self-contained HTML page:
 * the matrix of case functions x builds, source and desugared, coloured by verdict; the
 * cross-build groups of each function; filters; the detail of a clicked cell; a summary.
 *
 * The page is the template in harness/html/ (report.html, report.css, report.js,
 * embedded into the binary at build time by harness/html/embed.cmake) with the report
 * inlined as compact JSON; report.js renders it in the browser. Nothing is fetched: the
 * page sets a Content-Security-Policy that allows only its own inline style and script,
 * and it works from file://. Reals are written with 6 significant digits (durations are
 * for reading); everything else is the report as it is.
 */
#ifndef PC_HTML_H
#define PC_HTML_H

#include <jansson.h>
#include <stddef.h>

#include "error.h"
#include "util.h"

/* Read REPORT and check that it is a schema-2 pyconform report whose indices hold
 * (rows name jobs, observations and reasons that exist; groups name interpreters and
 * observations that exist), so the page cannot render a broken matrix. Errors start
 * with the path: a file that cannot be read, that is not JSON (with jansson's line and
 * message), that is not a pyconform report, or that has another schema_version.
 * Returns a new reference, or NULL with err filled. */
json_t *pc_html_load_report(const char *path, pc_error *err);
/* Append the page for a checked report to out. */
int pc_html_render(const json_t *report, pc_buf *out, pc_error *err);
/* Load, check and render REPORT, then write the page to OUT atomically, or to standard
 * output when OUT is NULL or "-"; *bytes (may be NULL) gets the page's size. */
int pc_html_write(const char *report_path, const char *out_path, size_t *bytes, pc_error *err);

#endif
