/*
 * hookmux's native launcher: what Claude Code runs for `hookmux run` when a C compiler
 * was there at `hookmux install`.
 *
 * A Python start costs ~10 ms before hookmux can hand an event to `hookmux serve`; this
 * program starts in well under a millisecond and does only that: it reads the event,
 * relays the raw bytes to the daemon over its Unix socket (the frames of
 * hookmux/entry/relay.py) and writes back the daemon's exit code, stdout and stderr.
 * Anything else goes to the Python launcher, with the event on stdin, so no event is
 * ever lost and no answer differs:
 *
 *   - any command but `run`, a `PYTHON*` variable that would change what Python
 *     imports, `HOOKMUX_SERVE` off, a home Python would normalise first: exec the
 *     Python launcher as it is;
 *   - no daemon (no socket, refused): exec it with the event, which routes the event
 *     in-process and starts the daemon for the next ones;
 *   - the daemon could not answer (a timeout, a broken answer, "route it yourself"):
 *     exec it with the event and --no-relay, which routes in-process at once.
 *
 * Its settings are in `launcher.conf` beside it, written by `hookmux install`: the
 * Python launcher, hookmux's version, and the Python environment's identity (the
 * daemon answers only callers of its own environment).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_INPUT (64u * 1024u * 1024u)
#define MAX_ANSWER (64u * 1024u * 1024u)
#define MAX_SOCKET_PATH 100
#define STDIN_TIMEOUT_MS 10000

static char python_launcher[4096];
static char version[128];
static char identity[8192];

struct buf {
    char *data;
    size_t len, cap;
};

static int grow(struct buf *b, size_t more) {
    if (b->len + more <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 65536;
    while (cap < b->len + more) cap *= 2;
    char *data = realloc(b->data, cap);
    if (!data) return -1;
    b->data = data;
    b->cap = cap;
    return 0;
}

static int put(struct buf *b, const void *data, size_t len) {
    if (grow(b, len)) return -1;
    memcpy(b->data + b->len, data, len);
    b->len += len;
    return 0;
}

static int put_u32(struct buf *b, uint32_t value) {
    unsigned char be[4] = {value >> 24, value >> 16, value >> 8, value};
    return put(b, be, 4);
}

static uint32_t get_u32(const unsigned char *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One line of the settings file, without its newline; -1 when missing. */
static int read_line(FILE *fh, char *out, size_t size) {
    if (!fgets(out, (int)size, fh)) return -1;
    size_t len = strlen(out);
    if (len == 0 || out[len - 1] != '\n') return -1;
    out[len - 1] = '\0';
    return 0;
}

static int load_settings(const char *self) {
    char path[4096];
    const char *slash = strrchr(self, '/');
    if (!slash || (size_t)(slash - self) + 20 >= sizeof path) return -1;
    memcpy(path, self, slash - self + 1);
    strcpy(path + (slash - self + 1), "launcher.conf");
    FILE *fh = fopen(path, "r");
    if (!fh) return -1;
    int bad = read_line(fh, python_launcher, sizeof python_launcher) ||
              read_line(fh, version, sizeof version) || read_line(fh, identity, sizeof identity);
    fclose(fh);
    return bad ? -1 : 0;
}

/* Run the Python launcher in this process: with the event (when read) on stdin. */
static void exec_python(int argc, char **argv, const struct buf *event, const char *extra) {
    if (event) {
        int fd = -1;
#ifdef SYS_memfd_create
        fd = (int)syscall(SYS_memfd_create, "hookmux-event", 0);
#endif
        if (fd < 0) {
            FILE *tmp = tmpfile();
            fd = tmp ? dup(fileno(tmp)) : -1;
        }
        size_t done = 0;
        while (fd >= 0 && done < event->len) {
            ssize_t n = write(fd, event->data + done, event->len - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            done += (size_t)n;
        }
        if (fd < 0 || done != event->len || lseek(fd, 0, SEEK_SET) != 0 || dup2(fd, 0) < 0) {
            fputs("hookmux: the launcher cannot hand the event to Python; event not routed\n", stderr);
            exit(0);
        }
        if (fd != 0) close(fd);
    }
    char **args = calloc((size_t)argc + 2, sizeof *args);
    if (!args) exit(0);
    int n = 0;
    args[n++] = argv[0];
    for (int i = 1; i < argc; i++) args[n++] = argv[i];
    if (extra) args[n++] = (char *)extra;
    args[n] = NULL;
    execv(python_launcher, args);
    fprintf(stderr, "hookmux: cannot run %s (%s); run `hookmux install` again\n", python_launcher,
            strerror(errno));
    exit(0);
}

static int read_event(struct buf *event) {
    long long ends = now_ms() + STDIN_TIMEOUT_MS;
    for (;;) {
        if (grow(event, 65536)) return -1;
        struct pollfd pfd = {0, POLLIN, 0};
        long long left = ends - now_ms();
        if (left <= 0 || poll(&pfd, 1, (int)left) == 0) return -1; /* Python says why */
        ssize_t n = read(0, event->data + event->len, event->cap - event->len);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n < 0) return -1;
        if (n == 0) return 0;
        event->len += (size_t)n;
        if (event->len > MAX_INPUT) return -1; /* Python drains the rest and says why */
    }
}

/* zlib's crc32, as hookmux.state.paths names a socket for a long home. */
static uint32_t crc32(const char *text) {
    uint32_t crc = 0xFFFFFFFFu;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        crc ^= *p;
        for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

/* $HOOKMUX_HOME/daemon/relay.sock as hookmux.state.paths computes it; -1 where
 * Python would normalise the home (then Python relays itself). */
static int socket_path(char *out, size_t size) {
    const char *home = getenv("HOOKMUX_HOME");
    char base[4096];
    if (home && *home) {
        if (home[0] != '/' || strstr(home, "//") || strstr(home, "/./") || strstr(home, "/../")) return -1;
        size_t len = strlen(home);
        if (len >= sizeof base || home[len - 1] == '/' || (len >= 2 && !strcmp(home + len - 2, "/.")) ||
            (len >= 3 && !strcmp(home + len - 3, "/..")))
            return -1;
        strcpy(base, home);
    } else {
        const char *state = getenv("XDG_STATE_HOME");
        const char *user = getenv("HOME");
        int n;
        if (state && *state)
            n = snprintf(base, sizeof base, "%s/hookmux", state);
        else if (user && *user)
            n = snprintf(base, sizeof base, "%s/.local/state/hookmux", user);
        else
            return -1;
        if (n < 0 || (size_t)n >= sizeof base || base[0] != '/' || strstr(base, "//")) return -1;
    }
    int n = snprintf(out, size, "%s/daemon/relay.sock", base);
    if (n < 0 || (size_t)n >= size) return -1;
    if (n <= MAX_SOCKET_PATH) return 0;
    /* Too long for a Unix socket: /tmp/hookmux-<uid>/<crc32 of the home>.sock */
    const char *runtime = getenv("XDG_RUNTIME_DIR");
    n = snprintf(out, size, "%s/hookmux-%u/%08x.sock", runtime && *runtime ? runtime : "/tmp",
                 (unsigned)getuid(), crc32(base));
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

static int send_all(int sock, const char *data, size_t len, long long ends) {
    while (len) {
        struct pollfd pfd = {sock, POLLOUT, 0};
        long long left = ends - now_ms();
        if (left <= 0 || poll(&pfd, 1, (int)left) <= 0) return -1;
        ssize_t n = send(sock, data, len, MSG_NOSIGNAL);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n <= 0) return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

static int recv_exactly(int sock, struct buf *b, size_t want, long long ends) {
    if (grow(b, want)) return -1;
    size_t got = 0;
    while (got < want) {
        struct pollfd pfd = {sock, POLLIN, 0};
        long long left = ends - now_ms();
        if (left <= 0 || poll(&pfd, 1, (int)left) <= 0) return -1;
        ssize_t n = recv(sock, b->data + b->len + got, want - got, 0);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n <= 0) return -1;
        got += (size_t)n;
    }
    b->len += want;
    return 0;
}

static int write_all(int fd, const char *data, size_t len) {
    while (len) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* --deadline=S or --deadline S: how long Claude Code lets the hook run (as Python). */
static double deadline_of(int argc, char **argv) {
    for (int i = 2; i < argc; i++) {
        const char *value = NULL;
        if (strncmp(argv[i], "--deadline=", 11) == 0)
            value = argv[i] + 11;
        else if (strcmp(argv[i], "--deadline") == 0 && i + 1 < argc)
            value = argv[i + 1];
        if (value) {
            char *end;
            double seconds = strtod(value, &end);
            if (*end == '\0' && seconds > 0 && seconds < 86400) return seconds;
        }
    }
    return 48.0; /* 80 % of Claude Code's default 60 s */
}

static int off(const char *value) {
    if (!value) return 0;
    char word[8];
    size_t i = 0, j = 0, len = strlen(value);
    while (i < len && (value[i] == ' ' || value[i] == '\t')) i++;
    while (i < len && j < sizeof word - 1 && value[i] != ' ' && value[i] != '\t') {
        char c = value[i++];
        word[j++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    word[j] = '\0';
    return !strcmp(word, "0") || !strcmp(word, "false") || !strcmp(word, "no") || !strcmp(word, "off");
}

int main(int argc, char **argv) {
    if (load_settings(argv[0]) != 0) {
        fputs("hookmux: the launcher's settings are missing; run `hookmux install` again\n", stderr);
        return 0;
    }
    static const char *python_vars[] = {"PYTHONPATH", "PYTHONHOME", "PYTHONUSERBASE", "PYTHONNOUSERSITE",
                                        "PYTHONSAFEPATH", "PYTHONPLATLIBDIR", "PYTHONEXECUTABLE", NULL};
    int relay = argc >= 2 && strcmp(argv[1], "run") == 0 && !off(getenv("HOOKMUX_SERVE"));
    for (int i = 0; relay && python_vars[i]; i++)
        if (getenv(python_vars[i])) relay = 0;
    char path[4096];
    if (!relay || socket_path(path, sizeof path) != 0) exec_python(argc, argv, NULL, NULL);

    struct buf event = {0};
    if (read_event(&event) != 0) exec_python(argc, argv, &event, NULL);
    struct stat st;
    if (stat(path, &st) != 0) exec_python(argc, argv, &event, NULL); /* no daemon */

    int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    strcpy(addr.sun_path, path);
    if (sock < 0) exec_python(argc, argv, &event, NULL);
    if (connect(sock, (struct sockaddr *)&addr, sizeof addr) != 0 && errno != EINPROGRESS) {
        close(sock);
        exec_python(argc, argv, &event, NULL); /* refused: the daemon is gone */
    }

    /* The request frame: b"HMXQ" kind, u32 len + header, u32 len + payload. */
    struct buf header = {0}, frame = {0};
    char argc_text[16];
    snprintf(argc_text, sizeof argc_text, "%d", argc - 2 + 1);
    int bad = put(&header, version, strlen(version) + 1) || put(&header, argc_text, strlen(argc_text) + 1);
    for (int i = 2; i < argc && !bad; i++) bad = put(&header, argv[i], strlen(argv[i]) + 1);
    bad = bad || put(&header, "--python-env=", 13) || put(&header, identity, strlen(identity) + 1);
    for (char **e = environ; *e && !bad; e++) {
        const char *eq = strchr(*e, '=');
        if (eq && eq != *e) bad = put(&header, *e, strlen(*e) + 1);
    }
    if (!bad && header.len) header.len--; /* fields are separated, not ended, by NUL */
    bad = bad || put(&frame, "HMXQR", 5) || put_u32(&frame, (uint32_t)header.len) ||
          put(&frame, header.data, header.len) || put_u32(&frame, (uint32_t)event.len) ||
          put(&frame, event.data, event.len);
    long long ends = now_ms() + (long long)((deadline_of(argc, argv) + 1.0) * 1000);
    if (bad || send_all(sock, frame.data, frame.len, ends) != 0) {
        close(sock);
        exec_python(argc, argv, &event, "--no-relay");
    }

    /* The answer: b"HMXA" status(1) u32 exit code, u32 len + stdout, u32 len + stderr. */
    struct buf answer = {0};
    if (recv_exactly(sock, &answer, 13, ends) != 0 || memcmp(answer.data, "HMXA", 4) != 0 ||
        answer.data[4] != 0) {
        close(sock);
        exec_python(argc, argv, &event, "--no-relay");
    }
    uint32_t code = get_u32((unsigned char *)answer.data + 5);
    uint32_t out_len = get_u32((unsigned char *)answer.data + 9);
    if (out_len > MAX_ANSWER || recv_exactly(sock, &answer, out_len + 4, ends) != 0) {
        close(sock);
        exec_python(argc, argv, &event, "--no-relay");
    }
    uint32_t err_len = get_u32((unsigned char *)answer.data + 13 + out_len);
    if (err_len > MAX_ANSWER || recv_exactly(sock, &answer, err_len, ends) != 0) {
        close(sock);
        exec_python(argc, argv, &event, "--no-relay");
    }
    close(sock);
    write_all(1, answer.data + 13, out_len);
    write_all(2, answer.data + 17 + out_len, err_len);
    return code == 2 ? 2 : 0; /* hookmux answers 0, or 2 when a plugin blocks */
}
