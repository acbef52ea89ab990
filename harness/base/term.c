/* term.c - see term.h. */
#include "term.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int pc_color_mode_parse(const char *text)
{
    if (!strcmp(text, "auto"))
        return PC_COLOR_AUTO;
    if (!strcmp(text, "never"))
        return PC_COLOR_NEVER;
    if (!strcmp(text, "always"))
        return PC_COLOR_ALWAYS;
    return -1;
}

bool pc_term_is_tty(FILE *out)
{
    return isatty(fileno(out)) == 1;
}

bool pc_term_color(pc_color_mode mode, FILE *out)
{
    const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");
    if (mode != PC_COLOR_AUTO)
        return mode == PC_COLOR_ALWAYS;
    if (no_color && *no_color)
        return false;
    if (term && !strcmp(term, "dumb"))
        return false;
    return pc_term_is_tty(out);
}

int pc_term_width(FILE *out)
{
    const char *columns = getenv("COLUMNS");
    struct winsize ws;
    if (columns && atoi(columns) > 0)
        return atoi(columns);
    if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 80;
}
