/*
 * A time-stamping authority on loopback for the CLI tests: a small HTTP
 * server in front of stock `openssl ts -reply`.
 *
 *   tsa-server DIR [PORT]
 *
 * DIR holds tsa.cnf (an `openssl ts` configuration naming the TSA's key,
 * certificate and serial file). The server listens on 127.0.0.1 at PORT (or
 * a port the kernel picks), writes it to DIR/port, and answers every POST with what
 * `openssl ts -reply -config DIR/tsa.cnf` makes of the request body. It
 * serves one connection at a time until it is killed; while DIR/refuse exists
 * it closes every connection without an answer, as a TSA that is down (a
 * refused connection would make the client retry until its timeout). Only
 * for tests: no keep-alive, requests up to 64 KiB.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

/* The Content-Length header's line, in any case. */
static const char *content_length(const char *head, const char *end)
{
	for (const char *p = head; p + 17 <= end; p++)
		if (strncasecmp(p, "\r\nContent-Length:", 17) == 0)
			return p;
	return NULL;
}

static int read_request(int fd, char *buf, size_t size, size_t *body_at, size_t *body_len)
{
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, buf + n, size - 1 - n);
		if (r <= 0)
			return -1;
		n += (size_t)r;
		buf[n] = '\0';
		char *end = strstr(buf, "\r\n\r\n");
		if (!end)
			continue;
		*body_at = (size_t)(end + 4 - buf);
		const char *cl = content_length(buf, end);
		*body_len = cl ? (size_t)strtoul(cl + 17, NULL, 10) : 0;
		if (*body_at + *body_len > size - 1)
			return -1;
		while (n < *body_at + *body_len) {
			r = read(fd, buf + n, size - 1 - n);
			if (r <= 0)
				return -1;
			n += (size_t)r;
		}
		return 0;
	}
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t w = write(fd, c, n);
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static void answer(int fd, const char *dir)
{
	static char buf[65536];
	size_t at = 0, len = 0;
	char q[4200], r[4200], cmd[13000];
	if (read_request(fd, buf, sizeof(buf), &at, &len) < 0)
		return;
	/* DIR/refuse: a TSA that is down answers nothing (the connection closes). */
	snprintf(q, sizeof(q), "%s/refuse", dir);
	if (access(q, F_OK) == 0)
		return;
	snprintf(q, sizeof(q), "%s/request.tsq", dir);
	snprintf(r, sizeof(r), "%s/response.tsr", dir);
	FILE *f = fopen(q, "wb");
	if (!f)
		return;
	fwrite(buf + at, 1, len, f);
	fclose(f);
	remove(r);
	snprintf(cmd, sizeof(cmd), "cd '%s' && openssl ts -reply -config tsa.cnf -queryfile request.tsq -out response.tsr "
	         ">/dev/null 2>>tsa.log", dir);
	if (system(cmd) != 0 || !(f = fopen(r, "rb"))) {
		const char *no = "HTTP/1.0 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n";
		write_all(fd, no, strlen(no));
		return;
	}
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	char head[200];
	snprintf(head, sizeof(head), "HTTP/1.0 200 OK\r\nContent-Type: application/timestamp-reply\r\n"
	         "Content-Length: %zu\r\nConnection: close\r\n\r\n", n);
	if (write_all(fd, head, strlen(head)) == 0)
		write_all(fd, buf, n);
}

int main(int argc, char **argv)
{
	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: tsa-server DIR [PORT]\n");
		return 2;
	}
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons(argc == 3 ? (unsigned short)atoi(argv[2]) : 0);
	int one = 1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	socklen_t al = sizeof(a);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 8) < 0 ||
	    getsockname(s, (struct sockaddr *)&a, &al) < 0) {
		perror("tsa-server");
		return 1;
	}
	char path[4200], tmp[4300];
	snprintf(path, sizeof(path), "%s/port", argv[1]);
	snprintf(tmp, sizeof(tmp), "%s/port.tmp", argv[1]);
	FILE *f = fopen(tmp, "w");
	if (!f || fprintf(f, "%d\n", ntohs(a.sin_port)) < 0 || fclose(f) != 0 || rename(tmp, path) != 0) {
		perror("tsa-server");
		return 1;
	}
	for (;;) {
		int c = accept(s, NULL, NULL);
		if (c < 0)
			continue;
		answer(c, argv[1]);
		close(c);
	}
}
