/* An LD_PRELOAD shim that journals what a process asks of the disk for one SQLite database,
 * so a test can rebuild the disk as a power cut would leave it (tests/integration/powercut).
 *
 * For every file whose path starts with $POWERCUT_FILES (the database, its -wal and -shm) and
 * for that path's directory, it appends to $POWERCUT_JOURNAL one entry per successful call:
 *   W  pwrite/pwrite64/write (offset, the bytes written)    T  ftruncate (the new length)
 *   S  fsync/fdatasync of a file                             D  fsync of the directory
 *   C  open(O_CREAT) that created the file                   U  unlink   R  rename
 * Entry: op (1 byte), path length (u32), a (u64), data length (u64), path, data. One write(2)
 * per entry on an O_APPEND descriptor, so a SIGKILL leaves whole entries (at most the last one
 * cut short, which the reader drops). The calls themselves go through unchanged: the real
 * files are what the process sees; the journal is what the test replays.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define MAX_FD 4096

static char files[4096];
static size_t files_len;
static char dir[4096];
static char journal_path[4096];
static int journal_fd = -1;
static pid_t journal_pid;
static char *fd_paths[MAX_FD];
static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;

static int (*real_open)(const char *, int, ...);
static int (*real_open64)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_close)(int);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off_t);
static int (*real_ftruncate)(int, off_t);
static int (*real_ftruncate64)(int, off_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_unlink)(const char *);
static int (*real_rename)(const char *, const char *);

__attribute__((constructor)) static void init(void) {
    real_open = dlsym(RTLD_NEXT, "open");
    real_open64 = dlsym(RTLD_NEXT, "open64");
    real_openat = dlsym(RTLD_NEXT, "openat");
    real_close = dlsym(RTLD_NEXT, "close");
    real_write = dlsym(RTLD_NEXT, "write");
    real_pwrite = dlsym(RTLD_NEXT, "pwrite");
    real_pwrite64 = dlsym(RTLD_NEXT, "pwrite64");
    real_ftruncate = dlsym(RTLD_NEXT, "ftruncate");
    real_ftruncate64 = dlsym(RTLD_NEXT, "ftruncate64");
    real_fsync = dlsym(RTLD_NEXT, "fsync");
    real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
    real_unlink = dlsym(RTLD_NEXT, "unlink");
    real_rename = dlsym(RTLD_NEXT, "rename");
    const char *f = getenv("POWERCUT_FILES");
    const char *j = getenv("POWERCUT_JOURNAL");
    if (!f || !j || strlen(f) >= sizeof files || strlen(j) >= sizeof journal_path) return;
    strcpy(files, f);
    files_len = strlen(files);
    strcpy(journal_path, j);
    strcpy(dir, files);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = '\0';
}

static int watched(const char *path) {
    if (!files_len || !path) return 0;
    return strncmp(path, files, files_len) == 0 || strcmp(path, dir) == 0;
}

static void journal(char op, const char *path, uint64_t a, const void *data, uint64_t len) {
    uint32_t plen = (uint32_t)strlen(path);
    size_t total = 1 + 4 + 8 + 8 + plen + len;
    char *buf = malloc(total);
    if (!buf) abort();
    char *p = buf;
    *p++ = op;
    memcpy(p, &plen, 4); p += 4;
    memcpy(p, &a, 8); p += 8;
    memcpy(p, &len, 8); p += 8;
    memcpy(p, path, plen); p += plen;
    if (len) memcpy(p, data, len);
    int saved = errno;
    pthread_mutex_lock(&mutex);
    if (journal_fd < 0 || journal_pid != getpid()) {
        journal_fd = real_open(journal_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        journal_pid = getpid();
    }
    if (journal_fd < 0 || real_write(journal_fd, buf, total) != (ssize_t)total) abort();
    pthread_mutex_unlock(&mutex);
    free(buf);
    errno = saved;
}

static const char *path_of(int fd) {
    return (fd >= 0 && fd < MAX_FD) ? fd_paths[fd] : NULL;
}

static int opened(int fd, const char *path, int existed) {
    if (fd < 0 || !watched(path)) return fd;
    pthread_mutex_lock(&mutex);
    if (fd < MAX_FD) {
        free(fd_paths[fd]);
        fd_paths[fd] = strdup(path);
    }
    pthread_mutex_unlock(&mutex);
    if (!existed) journal('C', path, 0, NULL, 0);
    return fd;
}

static int exists(const char *path, int flags) {
    if (!(flags & O_CREAT) || !watched(path)) return 1;
    return access(path, F_OK) == 0;
}

static mode_t mode_arg(int flags, va_list ap) {
    return (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

int open(const char *path, int flags, ...) {
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_arg(flags, ap);
    va_end(ap);
    int existed = exists(path, flags);
    return opened(real_open(path, flags, mode), path, existed);
}

int open64(const char *path, int flags, ...) {
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_arg(flags, ap);
    va_end(ap);
    int existed = exists(path, flags);
    return opened(real_open64(path, flags, mode), path, existed);
}

int openat(int dirfd, const char *path, int flags, ...) {
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_arg(flags, ap);
    va_end(ap);
    int absolute = path[0] == '/';
    int existed = absolute ? exists(path, flags) : 1;
    int fd = real_openat(dirfd, path, flags, mode);
    return absolute ? opened(fd, path, existed) : fd;
}

int close(int fd) {
    if (fd >= 0 && fd < MAX_FD && fd_paths[fd]) {
        pthread_mutex_lock(&mutex);
        free(fd_paths[fd]);
        fd_paths[fd] = NULL;
        pthread_mutex_unlock(&mutex);
    }
    return real_close(fd);
}

ssize_t write(int fd, const void *buf, size_t n) {
    const char *path = path_of(fd);
    if (!path) return real_write(fd, buf, n);
    off_t at = lseek(fd, 0, SEEK_CUR);
    ssize_t done = real_write(fd, buf, n);
    if (done > 0) journal('W', path, (uint64_t)at, buf, (uint64_t)done);
    return done;
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t at) {
    ssize_t done = real_pwrite(fd, buf, n, at);
    const char *path = path_of(fd);
    if (path && done > 0) journal('W', path, (uint64_t)at, buf, (uint64_t)done);
    return done;
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t at) {
    ssize_t done = real_pwrite64(fd, buf, n, at);
    const char *path = path_of(fd);
    if (path && done > 0) journal('W', path, (uint64_t)at, buf, (uint64_t)done);
    return done;
}

int ftruncate(int fd, off_t length) {
    int rc = real_ftruncate(fd, length);
    const char *path = path_of(fd);
    if (path && rc == 0) journal('T', path, (uint64_t)length, NULL, 0);
    return rc;
}

int ftruncate64(int fd, off_t length) {
    int rc = real_ftruncate64(fd, length);
    const char *path = path_of(fd);
    if (path && rc == 0) journal('T', path, (uint64_t)length, NULL, 0);
    return rc;
}

static int synced(int fd, int rc) {
    const char *path = path_of(fd);
    if (path && rc == 0) {
        struct stat st;
        int is_dir = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
        journal(is_dir ? 'D' : 'S', path, 0, NULL, 0);
    }
    return rc;
}

int fsync(int fd) { return synced(fd, real_fsync(fd)); }

int fdatasync(int fd) { return synced(fd, real_fdatasync(fd)); }

int unlink(const char *path) {
    int rc = real_unlink(path);
    if (rc == 0 && watched(path)) journal('U', path, 0, NULL, 0);
    return rc;
}

int rename(const char *from, const char *to) {
    int rc = real_rename(from, to);
    if (rc == 0 && (watched(from) || watched(to))) {
        journal('R', from, 0, to, strlen(to));
    }
    return rc;
}
