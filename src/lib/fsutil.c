/* Small file-system helpers. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

const char *file_type_name(unsigned mode)
{
	mode_t m = (mode_t)mode;
	return S_ISREG(m) ? "a regular file" : S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO"
	       : S_ISCHR(m) ? "a character device" : S_ISBLK(m) ? "a block device" : S_ISSOCK(m) ? "a socket"
	       : S_ISLNK(m) ? "a symbolic link" : "a special file";
}

/*
 * Opening a FIFO for reading blocks until someone writes to it, and a device
 * can block or never end: so open without blocking, look at what was opened,
 * and only then go back to ordinary reads. Checking the type with stat()
 * first would leave a window in which the path could be swapped.
 */
int file_open_input(int *out, const char *path, unsigned flags)
{
	*out = -1;
	int oflags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	if (flags & FILE_INPUT_NOFOLLOW)
		oflags |= O_NOFOLLOW;
	int fd = open(path, oflags);
	if (fd < 0) {
		if (errno == ELOOP && (flags & FILE_INPUT_NOFOLLOW))
			return error_set(SMSAUDIT_EIO, "%s: a symbolic link; give the file itself", path);
		return error_set(SMSAUDIT_EIO, "%s: %s", path, strerror(errno));
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return error_set(SMSAUDIT_EIO, "%s: %s", path, strerror(e));
	}
	int want_dir = (flags & FILE_INPUT_DIR) != 0;
	if (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
		close(fd);
		return error_set(SMSAUDIT_EIO, "%s: %s, not %s", path, file_type_name((unsigned)st.st_mode),
		                 want_dir ? "a directory" : "a regular file");
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		int e = errno;
		close(fd);
		return error_set(SMSAUDIT_EIO, "%s: %s", path, strerror(e));
	}
	*out = fd;
	return 0;
}

void remove_tree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		if (d) {
			struct dirent *e;
			while ((e = readdir(d)) != NULL) {
				if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
					continue;
				char sub[4096];
				int n = snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
				if (n > 0 && (size_t)n < sizeof(sub))
					remove_tree(sub);
			}
			closedir(d);
		}
		rmdir(path);
	} else {
		unlink(path);
	}
}

int mkdir_0700(const char *dir)
{
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return error_set(SMSAUDIT_EIO, "%s: %s", dir, strerror(errno));
	return 0;
}

void temp_path_for(char *out, size_t size, const char *path)
{
	snprintf(out, size, "%s.%ld.tmp", path, (long)getpid());
}

int pid_gone(long pid)
{
	/* Only a process that is surely gone: ESRCH. One of another user's
	 * (EPERM) or alive is left alone. */
	return pid > 0 && pid != (long)getpid() && kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

void remove_stale_temps(const char *path)
{
	char dir[4200];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	const char *base = slash ? slash + 1 : path;
	if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	size_t bl = strlen(base);
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		/* <base>.<digits>.tmp */
		const char *n = e->d_name;
		if (strncmp(n, base, bl) != 0 || n[bl] != '.')
			continue;
		char *end = NULL;
		errno = 0;
		long pid = strtol(n + bl + 1, &end, 10);
		if (end == n + bl + 1 || errno || pid <= 0 || strcmp(end, ".tmp") != 0)
			continue;
		if (!pid_gone(pid))
			continue;
		char full[4600];
		snprintf(full, sizeof(full), "%s/%s", dir, n);
		unlink(full);
	}
	closedir(d);
}

/* "<dir>.partial-": the name of a folder written beside `dir` before it is
 * moved into place, without trailing slashes; 0 when it does not fit. */
static size_t partial_prefix(char *out, size_t size, const char *dir)
{
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	int w = snprintf(out, size, "%.*s.partial-", (int)n, dir);
	return w > 0 && (size_t)w < size ? (size_t)w : 0;
}

/* A partial folder without a process id (written before names carried one)
 * untouched for a day is a killed writer's too: a pack takes minutes at most. */
#define PARTIAL_UNNAMED_AGE (24 * 60 * 60)

void remove_stale_partials(const char *dir)
{
	char prefix[4200];
	size_t pl = partial_prefix(prefix, sizeof(prefix), dir);
	if (!pl)
		return;
	char parent[4200];
	snprintf(parent, sizeof(parent), "%s", prefix);
	char *slash = strrchr(parent, '/');
	const char *base = slash ? prefix + (slash - parent) + 1 : prefix;
	if (slash)
		slash[slash == parent ? 1 : 0] = '\0';
	else
		snprintf(parent, sizeof(parent), ".");
	size_t bl = strlen(base);
	DIR *d = opendir(parent);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		/* <base>.partial-<pid>-XXXXXX, or <base>.partial-XXXXXX (older names) */
		const char *n = e->d_name;
		if (strncmp(n, base, bl) != 0)
			continue;
		const char *rest = n + bl;
		char *end = NULL;
		errno = 0;
		long pid = strtol(rest, &end, 10);
		int named = end != rest && *end == '-' && errno == 0 && pid > 0 && strlen(end + 1) == 6;
		if (!named && (strlen(rest) != 6 || strchr(rest, '-')))
			continue;
		char full[8500];
		snprintf(full, sizeof(full), "%s/%s", parent, n);
		struct stat st;
		if (lstat(full, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		if (named ? pid_gone(pid) : time(NULL) - st.st_mtime > PARTIAL_UNNAMED_AGE)
			remove_tree(full);
	}
	closedir(d);
}

int partial_dir_make(char *out, size_t size, const char *dir)
{
	char prefix[4200];
	size_t pl = partial_prefix(prefix, sizeof(prefix), dir);
	int n = pl ? snprintf(out, size, "%s%ld-XXXXXX", prefix, (long)getpid()) : -1;
	if (n < 0 || (size_t)n >= size)
		return error_set(SMSAUDIT_EINVALID, "%s: path too long", dir);
	remove_stale_partials(dir);
	if (!mkdtemp(out))
		return error_set(SMSAUDIT_EIO, "%s: cannot create a folder beside it: %s", dir, strerror(errno));
	return 0;
}

int temp_create(const char *tmp)
{
	if (unlink(tmp) < 0 && errno != ENOENT)
		return -1;
	return open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
}

int file_write_replace(const char *path, const char *tmp, const void *data, size_t len)
{
	remove_stale_temps(path);
	int fd = temp_create(tmp);
	if (fd < 0)
		return error_set(SMSAUDIT_EIO, "%s: %s", tmp, strerror(errno));
	const char *p = data;
	size_t left = len;
	int ok = 1;
	while (ok && left) {
		ssize_t w = write(fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		ok = w > 0;
		if (ok) {
			p += w;
			left -= (size_t)w;
		}
	}
	int e = errno;
	ok = ok && fsync(fd) == 0;
	if (close(fd) < 0 && ok) {
		ok = 0;
		e = errno;
	}
	if (!ok || rename(tmp, path) < 0) {
		if (ok)
			e = errno;
		unlink(tmp);
		return error_set(SMSAUDIT_EIO, "%s: %s", path, strerror(e));
	}
	return 0;
}
