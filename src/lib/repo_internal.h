/* What repo.c offers the rest of the library beyond smsaudit/repo.h. */
#ifndef SMSAUDIT_REPO_INTERNAL_H
#define SMSAUDIT_REPO_INTERNAL_H

#include "loose.h"
#include "smsaudit/repo.h"

/* smsaudit_repo_store_fd with a look at the content on the way (`check` may
 * be NULL); content it refuses is not stored at all. */
int repo_store_fd_checked(smsaudit_oid *blob, char sha256[65], uint64_t *size, smsaudit_repo *repo, int fd,
                          const char *name, content_check_fn check, void *payload);

#endif
