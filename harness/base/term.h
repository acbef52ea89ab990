/* term.h - what the terminal can show: colour (--color, NO_COLOR) and its width.
 *
 * Colour follows no-color.org: --color=always and --color=never are obeyed as given;
 * auto (the default) colours only a terminal, and not when NO_COLOR is set to anything
 * but the empty string or TERM is "dumb".
 */
#ifndef PC_TERM_H
#define PC_TERM_H

#include <stdbool.h>
#include <stdio.h>

typedef enum pc_color_mode { PC_COLOR_AUTO = 0, PC_COLOR_NEVER, PC_COLOR_ALWAYS } pc_color_mode;

/* The mode named by `text` ("auto", "never", "always"), or -1. */
int pc_color_mode_parse(const char *text);
/* Whether output to `out` is coloured under `mode`. */
bool pc_term_color(pc_color_mode mode, FILE *out);
/* Whether `out` is a terminal. */
bool pc_term_is_tty(FILE *out);
/* Columns of the terminal behind `out` ($COLUMNS, else the window size), else 80. */
int pc_term_width(FILE *out);

/* ANSI SGR sequences, for "%s...%s" with PC_SGR_RESET after. */
#define PC_SGR_RESET "\033[0m"

#endif
