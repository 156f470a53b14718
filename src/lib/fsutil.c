/* Small file-system helpers. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

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

int file_write_replace(const char *path, const char *tmp, const void *data, size_t len)
{
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
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
